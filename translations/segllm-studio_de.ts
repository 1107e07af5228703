<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>ChatController</name>
    <message>
        <source>Round %1</source>
        <translation>Runde %1</translation>
    </message>
</context>
<context>
    <name>EditCommands</name>
    <message>
        <source>Add instance [%1]</source>
        <translation>Instanz [%1] hinzufügen</translation>
    </message>
    <message>
        <source>Delete instance [%1]</source>
        <translation>Instanz [%1] löschen</translation>
    </message>
    <message>
        <source>Label [%1] as &quot;%2&quot;</source>
        <translation>[%1] als „%2“ beschriften</translation>
    </message>
    <message>
        <source>Show instance [%1]</source>
        <translation>Instanz [%1] einblenden</translation>
    </message>
    <message>
        <source>Hide instance [%1]</source>
        <translation>Instanz [%1] ausblenden</translation>
    </message>
    <message>
        <source>Remove the label of [%1]</source>
        <translation>Beschriftung von [%1] entfernen</translation>
    </message>
</context>
<context>
    <name>Exporter</name>
    <message>
        <source>Wrote %1 annotations of %2 images to %3</source>
        <translation>%1 Annotationen von %2 Bildern nach %3 geschrieben</translation>
    </message>
    <message>
        <source>Wrote PNG masks of %1 images to %2</source>
        <translation>PNG-Masken von %1 Bildern nach %2 geschrieben</translation>
    </message>
    <message>
        <source>Wrote %1 labelme files to %2</source>
        <translation>%1 labelme-Dateien nach %2 geschrieben</translation>
    </message>
    <message>
        <source>Cannot export to %1: %2</source>
        <translation>Export nach %1 nicht möglich: %2</translation>
    </message>
</context>
<context>
    <name>ImageLoader</name>
    <message>
        <source>Cannot open %1: %2.</source>
        <translation>%1 kann nicht geöffnet werden: %2.</translation>
    </message>
    <message>
        <source>no file name was given</source>
        <translation>es wurde kein Dateiname angegeben</translation>
    </message>
    <message>
        <source>the file does not exist</source>
        <translation>die Datei existiert nicht</translation>
    </message>
    <message>
        <source>it is a folder, not an image file</source>
        <translation>es ist ein Ordner, keine Bilddatei</translation>
    </message>
    <message>
        <source>the file is not readable (permission denied)</source>
        <translation>die Datei ist nicht lesbar (Zugriff verweigert)</translation>
    </message>
    <message>
        <source>the file is empty</source>
        <translation>die Datei ist leer</translation>
    </message>
    <message>
        <source>not an image in a supported format (supported: %1)</source>
        <translation>kein Bild in einem unterstützten Format (unterstützt: %1)</translation>
    </message>
    <message>
        <source>the file is damaged (%1)</source>
        <translation>die Datei ist beschädigt (%1)</translation>
    </message>
    <message>
        <source>the image is %1 x %2 pixels and needs %3 MiB when decoded, above the allocation limit of %4 MiB</source>
        <translation>das Bild hat %1 x %2 Pixel und braucht dekodiert %3 MiB, mehr als die Speichergrenze von %4 MiB</translation>
    </message>
    <message>
        <source>the image data cannot be decoded (%1)</source>
        <translation>die Bilddaten können nicht dekodiert werden (%1)</translation>
    </message>
    <message>
        <source>Images (%1)</source>
        <translation>Bilder (%1)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ActionRegistry</name>
    <message>
        <source>&amp;Open Image...</source>
        <translation>Bild ö&amp;ffnen …</translation>
    </message>
    <message>
        <source>Open an image file</source>
        <translation>Eine Bilddatei öffnen</translation>
    </message>
    <message>
        <source>Open &amp;Folder...</source>
        <translation>&amp;Ordner öffnen …</translation>
    </message>
    <message>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <source>Open every image of a folder</source>
        <translation>Alle Bilder eines Ordners öffnen</translation>
    </message>
    <message>
        <source>Open &amp;Project...</source>
        <translation>&amp;Projekt öffnen …</translation>
    </message>
    <message>
        <source>Ctrl+Alt+O</source>
        <translation>Ctrl+Alt+O</translation>
    </message>
    <message>
        <source>Open a saved project</source>
        <translation>Ein gespeichertes Projekt öffnen</translation>
    </message>
    <message>
        <source>&amp;Save Project</source>
        <translation>Projekt &amp;speichern</translation>
    </message>
    <message>
        <source>Save the project</source>
        <translation>Das Projekt speichern</translation>
    </message>
    <message>
        <source>Save Project &amp;As...</source>
        <translation>Projekt speichern &amp;unter …</translation>
    </message>
    <message>
        <source>Ctrl+Shift+S</source>
        <translation>Ctrl+Shift+S</translation>
    </message>
    <message>
        <source>COCO JSON, Current Image...</source>
        <translation>COCO-JSON, aktuelles Bild …</translation>
    </message>
    <message>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <source>COCO JSON, All Images...</source>
        <translation>COCO-JSON, alle Bilder …</translation>
    </message>
    <message>
        <source>Ctrl+Shift+E</source>
        <translation>Ctrl+Shift+E</translation>
    </message>
    <message>
        <source>PNG Masks, Current Image...</source>
        <translation>PNG-Masken, aktuelles Bild …</translation>
    </message>
    <message>
        <source>PNG Masks, All Images...</source>
        <translation>PNG-Masken, alle Bilder …</translation>
    </message>
    <message>
        <source>labelme JSON, Current Image...</source>
        <translation>labelme-JSON, aktuelles Bild …</translation>
    </message>
    <message>
        <source>labelme JSON, All Images...</source>
        <translation>labelme-JSON, alle Bilder …</translation>
    </message>
    <message>
        <source>Se&amp;ttings...</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <source>Ctrl+,</source>
        <translation>Ctrl+,</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Ctrl+Q</source>
        <translation>Ctrl+Q</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Rückgängig</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <source>Ctrl+Shift+Z</source>
        <translation>Ctrl+Shift+Z</translation>
    </message>
    <message>
        <source>Ctrl+Y</source>
        <translation>Ctrl+Y</translation>
    </message>
    <message>
        <source>&amp;Delete Instance</source>
        <translation>Instanz &amp;löschen</translation>
    </message>
    <message>
        <source>Delete the selected instance</source>
        <translation>Die ausgewählte Instanz löschen</translation>
    </message>
    <message>
        <source>Edit &amp;Label</source>
        <translation>&amp;Beschriftung bearbeiten</translation>
    </message>
    <message>
        <source>F2</source>
        <translation>F2</translation>
    </message>
    <message>
        <source>Type the label of the selected instance</source>
        <translation>Die Beschriftung der ausgewählten Instanz eingeben</translation>
    </message>
    <message>
        <source>&amp;Select</source>
        <translation>&amp;Auswählen</translation>
    </message>
    <message>
        <source>V</source>
        <translation>V</translation>
    </message>
    <message>
        <source>Click an instance to select and reference it; drag to pan</source>
        <translation>Eine Instanz anklicken, um sie auszuwählen und zu referenzieren; ziehen verschiebt die Ansicht</translation>
    </message>
    <message>
        <source>&amp;Brush</source>
        <translation>&amp;Pinsel</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>Paint on the selected instance</source>
        <translation>Auf die ausgewählte Instanz malen</translation>
    </message>
    <message>
        <source>&amp;Eraser</source>
        <translation>&amp;Radierer</translation>
    </message>
    <message>
        <source>E</source>
        <translation>E</translation>
    </message>
    <message>
        <source>Erase from the selected instance</source>
        <translation>Aus der ausgewählten Instanz radieren</translation>
    </message>
    <message>
        <source>Polygon &amp;Add</source>
        <translation>Polygon &amp;hinzufügen</translation>
    </message>
    <message>
        <source>P</source>
        <translation>P</translation>
    </message>
    <message>
        <source>Click points, Enter or double-click to add the area (a new instance if none is selected); Esc cancels</source>
        <translation>Punkte anklicken, Eingabe oder Doppelklick fügt die Fläche hinzu (eine neue Instanz, wenn keine ausgewählt ist); Esc bricht ab</translation>
    </message>
    <message>
        <source>Polygon S&amp;ubtract</source>
        <translation>Polygon a&amp;bziehen</translation>
    </message>
    <message>
        <source>Shift+P</source>
        <translation>Shift+P</translation>
    </message>
    <message>
        <source>Click points, Enter or double-click to remove the area; Esc cancels</source>
        <translation>Punkte anklicken, Eingabe oder Doppelklick entfernt die Fläche; Esc bricht ab</translation>
    </message>
    <message>
        <source>Larger Brush</source>
        <translation>Größerer Pinsel</translation>
    </message>
    <message>
        <source>]</source>
        <translation>]</translation>
    </message>
    <message>
        <source>Smaller Brush</source>
        <translation>Kleinerer Pinsel</translation>
    </message>
    <message>
        <source>[</source>
        <translation>[</translation>
    </message>
    <message>
        <source>&amp;Next Image</source>
        <translation>&amp;Nächstes Bild</translation>
    </message>
    <message>
        <source>PgDown</source>
        <translation>PgDown</translation>
    </message>
    <message>
        <source>&amp;Previous Image</source>
        <translation>&amp;Vorheriges Bild</translation>
    </message>
    <message>
        <source>PgUp</source>
        <translation>PgUp</translation>
    </message>
    <message>
        <source>Next Image (canvas focused)</source>
        <translation>Nächstes Bild (Bildfläche im Fokus)</translation>
    </message>
    <message>
        <source>D</source>
        <translation>D</translation>
    </message>
    <message>
        <source>Previous Image (canvas focused)</source>
        <translation>Vorheriges Bild (Bildfläche im Fokus)</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>&amp;Vergrößern</translation>
    </message>
    <message>
        <source>Ctrl+=</source>
        <translation>Ctrl+=</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>Ver&amp;kleinern</translation>
    </message>
    <message>
        <source>&amp;Fit to Window</source>
        <translation>An &amp;Fenster anpassen</translation>
    </message>
    <message>
        <source>Ctrl+0</source>
        <translation>Ctrl+0</translation>
    </message>
    <message>
        <source>F</source>
        <translation>F</translation>
    </message>
    <message>
        <source>&amp;Actual Size (1:1)</source>
        <translation>&amp;Originalgröße (1:1)</translation>
    </message>
    <message>
        <source>Ctrl+1</source>
        <translation>Ctrl+1</translation>
    </message>
    <message>
        <source>Show &amp;Overlays</source>
        <translation>&amp;Überlagerungen zeigen</translation>
    </message>
    <message>
        <source>H</source>
        <translation>H</translation>
    </message>
    <message>
        <source>Show or hide every instance overlay</source>
        <translation>Alle Instanz-Überlagerungen ein- oder ausblenden</translation>
    </message>
    <message>
        <source>F&amp;ull Screen</source>
        <translation>V&amp;ollbild</translation>
    </message>
    <message>
        <source>F11</source>
        <translation>F11</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>&amp;Tastenkürzel</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>&amp;About SegLLM Studio</source>
        <translation>Ü&amp;ber SegLLM Studio</translation>
    </message>
    <message>
        <source>K</source>
        <translation>K</translation>
    </message>
    <message>
        <source>Pick Alter&amp;native</source>
        <translation>Alter&amp;native wählen</translation>
    </message>
    <message>
        <source>Click a point: the model&apos;s best-ranked candidate of the selected instance that contains it replaces the mask</source>
        <translation>Einen Punkt anklicken: der am besten bewertete Kandidat des Modells für die ausgewählte Instanz, der ihn enthält, ersetzt die Maske</translation>
    </message>
    <message>
        <source>Type a &amp;Prompt</source>
        <translation>&amp;Eingabe schreiben</translation>
    </message>
    <message>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <source>Move the keyboard focus to the prompt box</source>
        <translation>Die Tastatureingabe in das Eingabefeld setzen</translation>
    </message>
    <message>
        <source>&amp;Cancel Round</source>
        <translation>Runde &amp;abbrechen</translation>
    </message>
    <message>
        <source>Esc</source>
        <translation>Esc</translation>
    </message>
    <message>
        <source>Stop the running round; it leaves nothing behind</source>
        <translation>Die laufende Runde anhalten; sie hinterlässt nichts</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ChatController</name>
    <message>
        <source>Model not loaded: %1</source>
        <translation>Modell nicht geladen: %1</translation>
    </message>
    <message>
        <source>Model not loaded</source>
        <translation>Modell nicht geladen</translation>
    </message>
    <message>
        <source>CUDA (%1)</source>
        <translation>CUDA (%1)</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Model: %1 on %2</source>
        <translation>Modell: %1 auf %2</translation>
    </message>
    <message>
        <source>CUDA not used</source>
        <translation>CUDA nicht verwendet</translation>
    </message>
    <message>
        <source>CUDA not used: %1</source>
        <translation>CUDA nicht verwendet: %1</translation>
    </message>
    <message>
        <source>Round cancelled</source>
        <translation>Runde abgebrochen</translation>
    </message>
    <message>
        <source>Select an instance made by a round to pick an alternative</source>
        <translation>Wählen Sie eine Instanz aus einer Runde, um eine Alternative zu wählen</translation>
    </message>
    <message>
        <source>the conversation changed while the round ran; please ask again</source>
        <translation>das Gespräch hat sich während der Runde geändert; bitte fragen Sie erneut</translation>
    </message>
    <message>
        <source>instance [%1] already exists (made by hand); delete it to continue the conversation</source>
        <translation>Instanz [%1] existiert bereits (von Hand erstellt); löschen Sie sie, um das Gespräch fortzusetzen</translation>
    </message>
    <message>
        <source>Pick alternative for [%1]</source>
        <translation>Alternative für [%1] gewählt</translation>
    </message>
    <message>
        <source>Open an image to start a conversation</source>
        <translation>Öffnen Sie ein Bild, um ein Gespräch zu beginnen</translation>
    </message>
    <message>
        <source>Model loading cancelled</source>
        <translation>Laden des Modells abgebrochen</translation>
    </message>
    <message>
        <source>reading the configuration</source>
        <translation>Lesen der Konfiguration</translation>
    </message>
    <message>
        <source>building the model</source>
        <translation>Aufbau des Modells</translation>
    </message>
    <message>
        <source>reading the tokenizer</source>
        <translation>Lesen des Tokenizers</translation>
    </message>
    <message>
        <source>loading weights</source>
        <translation>Laden der Gewichte</translation>
    </message>
    <message>
        <source>moving to the device</source>
        <translation>Übertragung auf das Gerät</translation>
    </message>
    <message>
        <source>warming up</source>
        <translation>Aufwärmen</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>bereit</translation>
    </message>
    <message>
        <source>Loading model...</source>
        <translation>Modell wird geladen...</translation>
    </message>
    <message>
        <source>Loading model: %1 %2%</source>
        <translation>Modell wird geladen: %1 %2%</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ChatPane</name>
    <message>
        <source>Ask for an object, e.g. &quot;Segment the red circle.&quot;</source>
        <translation>Fragen Sie nach einem Objekt, z. B. &quot;Segmentiere den roten Kreis.&quot;</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Encoding the image</source>
        <translation>Bild wird kodiert</translation>
    </message>
    <message>
        <source>Reading the prompt</source>
        <translation>Eingabe wird gelesen</translation>
    </message>
    <message>
        <source>Encoding references</source>
        <translation>Verweise werden kodiert</translation>
    </message>
    <message>
        <source>Language model</source>
        <translation>Sprachmodell</translation>
    </message>
    <message>
        <source>Decoding the mask</source>
        <translation>Maske wird dekodiert</translation>
    </message>
    <message>
        <source>Resizing the mask</source>
        <translation>Maske wird skaliert</translation>
    </message>
    <message>
        <source>You:</source>
        <translation>Sie:</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>Fehler: %1</translation>
    </message>
    <message>
        <source>score %1, %2 s</source>
        <translation>Wert %1, %2 s</translation>
    </message>
    <message>
        <source>(instance deleted)</source>
        <translation>(Instanz gelöscht)</translation>
    </message>
    <message>
        <source>Round %1:</source>
        <translation>Runde %1:</translation>
    </message>
    <message>
        <source>Starting...</source>
        <translation>Wird gestartet...</translation>
    </message>
    <message>
        <source>Send the prompt (Enter; Shift+Enter starts a new line)</source>
        <translation>Die Eingabe senden (Eingabetaste; Umschalt+Eingabetaste beginnt eine neue Zeile)</translation>
    </message>
    <message>
        <source>Stop the running round</source>
        <translation>Die laufende Runde anhalten</translation>
    </message>
</context>
<context>
    <name>segllm::ui::EditController</name>
    <message>
        <source>Select an instance to paint on (or draw a polygon to add one).</source>
        <translation>Wählen Sie eine Instanz zum Bemalen aus (oder zeichnen Sie ein Polygon, um eine hinzuzufügen).</translation>
    </message>
    <message>
        <source>Erase from [%1]</source>
        <translation>Aus [%1] radieren</translation>
    </message>
    <message>
        <source>Paint on [%1]</source>
        <translation>Auf [%1] malen</translation>
    </message>
    <message>
        <source>Select the instance to subtract from.</source>
        <translation>Wählen Sie die Instanz aus, von der abgezogen werden soll.</translation>
    </message>
    <message>
        <source>The polygon covers no pixel centre; nothing was added.</source>
        <translation>Das Polygon überdeckt keinen Pixelmittelpunkt; nichts wurde hinzugefügt.</translation>
    </message>
    <message>
        <source>The polygon changed no pixel of [%1].</source>
        <translation>Das Polygon hat kein Pixel von [%1] verändert.</translation>
    </message>
    <message>
        <source>Add polygon to [%1]</source>
        <translation>Polygon zu [%1] hinzufügen</translation>
    </message>
    <message>
        <source>Subtract polygon from [%1]</source>
        <translation>Polygon von [%1] abziehen</translation>
    </message>
    <message>
        <source>Brush size %1 px</source>
        <translation>Pinselgröße %1 px</translation>
    </message>
</context>
<context>
    <name>segllm::ui::FileController</name>
    <message>
        <source>Cannot open %1: the folder contains no image that can be read.</source>
        <translation>%1 kann nicht geöffnet werden: der Ordner enthält kein lesbares Bild.</translation>
    </message>
    <message>
        <source>There are unsaved changes of %1 from %2 (autosaved). Restore them?</source>
        <translation>Es gibt ungespeicherte Änderungen an %1 vom %2 (automatisch gesichert). Wiederherstellen?</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>Save Project</source>
        <translation>Projekt speichern</translation>
    </message>
    <message>
        <source>Export to Folder</source>
        <translation>In Ordner exportieren</translation>
    </message>
    <message>
        <source>Export COCO JSON</source>
        <translation>COCO-JSON exportieren</translation>
    </message>
    <message>
        <source>COCO JSON (*.json)</source>
        <translation>COCO-JSON (*.json)</translation>
    </message>
    <message>
        <source>The project has unsaved changes. Save them?</source>
        <translation>Das Projekt hat ungespeicherte Änderungen. Speichern?</translation>
    </message>
    <message>
        <source>SegLLM Studio did not close cleanly. Restore the unsaved work autosaved at %1?</source>
        <translation>SegLLM Studio wurde nicht ordnungsgemäß beendet. Die um %1 automatisch gesicherte, ungespeicherte Arbeit wiederherstellen?</translation>
    </message>
    <message>
        <source>SegLLM Studio did not close cleanly. Restore the unsaved changes of %1 autosaved at %2?</source>
        <translation>SegLLM Studio wurde nicht ordnungsgemäß beendet. Die um %2 automatisch gesicherten, ungespeicherten Änderungen an %1 wiederherstellen?</translation>
    </message>
    <message>
        <source>Open Folder</source>
        <translation>Ordner öffnen</translation>
    </message>
    <message>
        <source>Open Project</source>
        <translation>Projekt öffnen</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ImageCanvas</name>
    <message>
        <source>Open an image with File &gt; Open, or drop one here.</source>
        <translation>Öffnen Sie ein Bild mit Datei &gt; Öffnen oder ziehen Sie eines hierher.</translation>
    </message>
</context>
<context>
    <name>segllm::ui::InstanceListModel</name>
    <message>
        <source>[%1] (no label)</source>
        <translation>[%1] (ohne Beschriftung)</translation>
    </message>
    <message>
        <source>Instance [%1]: %2 pixels%3%4</source>
        <translation>Instanz [%1]: %2 Pixel%3%4</translation>
    </message>
    <message>
        <source>, round %1, score %2</source>
        <translation>, Runde %1, Konfidenz %2</translation>
    </message>
    <message>
        <source>, edited by hand</source>
        <translation>, von Hand bearbeitet</translation>
    </message>
</context>
<context>
    <name>segllm::ui::InstancePanel</name>
    <message>
        <source>Label of the selected instance</source>
        <translation>Beschriftung der ausgewählten Instanz</translation>
    </message>
    <message>
        <source>Type a category name and press Enter, or pick one</source>
        <translation>Einen Kategorienamen eingeben und Eingabe drücken, oder einen auswählen</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Delete the selected instance</source>
        <translation>Die ausgewählte Instanz löschen</translation>
    </message>
    <message>
        <source>&amp;Label:</source>
        <translation>&amp;Beschriftung:</translation>
    </message>
</context>
<context>
    <name>segllm::ui::MainWindow</name>
    <message>
        <source>Stop loading</source>
        <translation>Laden abbrechen</translation>
    </message>
    <message>
        <source>Stop loading the model</source>
        <translation>Laden des Modells abbrechen</translation>
    </message>
    <message>
        <source>Load Model</source>
        <translation>Modell laden</translation>
    </message>
    <message>
        <source>Load the model chosen in Settings</source>
        <translation>Das in den Einstellungen gewählte Modell laden</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>E&amp;xportieren</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Werkzeuge</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>&amp;Gehe zu</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>Werkzeuge</translation>
    </message>
    <message>
        <source>Instances</source>
        <translation>Instanzen</translation>
    </message>
    <message>
        <source>%1 x %2 px</source>
        <translation>%1 x %2 px</translation>
    </message>
    <message>
        <source>%1%</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>Image %1 of %2</source>
        <translation>Bild %1 von %2</translation>
    </message>
    <message>
        <source>%1[*]</source>
        <translation>%1[*]</translation>
    </message>
    <message>
        <source>%1[*] - %2</source>
        <translation>%1[*] – %2</translation>
    </message>
    <message>
        <source>%1 (%2)[*] - %3</source>
        <translation>%1 (%2)[*] – %3</translation>
    </message>
    <message>
        <source>x %1, y %2</source>
        <translation>x %1, y %2</translation>
    </message>
    <message>
        <source>The instances stored for %1 do not match its size of %2 x %3 pixels; the file may have changed since the project was saved.</source>
        <translation>Die für %1 gespeicherten Instanzen passen nicht zu seiner Größe von %2 x %3 Pixeln; die Datei wurde vielleicht nach dem Speichern des Projekts geändert.</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>%1 geöffnet</translation>
    </message>
    <message>
        <source>Open Image</source>
        <translation>Bild öffnen</translation>
    </message>
    <message>
        <source>About SegLLM Studio</source>
        <translation>Über SegLLM Studio</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>Gespräch</translation>
    </message>
    <message>
        <source>&lt;h3&gt;SegLLM Studio %1&lt;/h3&gt;&lt;p&gt;Chat with an image: multi-round reasoning segmentation (SegLLM) on the desktop.&lt;/p&gt;&lt;p&gt;Ask for objects in the conversation, refer to earlier answers with [k], then correct, label and export the instance masks.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;SegLLM Studio %1&lt;/h3&gt;&lt;p&gt;Mit einem Bild chatten: mehrstufige, schlussfolgernde Segmentierung (SegLLM) auf dem Desktop.&lt;/p&gt;&lt;p&gt;Fragen Sie im Gespräch nach Objekten, verweisen Sie mit [k] auf frühere Antworten und korrigieren, beschriften und exportieren Sie dann die Instanzmasken.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>&amp;Chat</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ProjectSession</name>
    <message>
        <source>SegLLM Studio projects (*.%1)</source>
        <translation>SegLLM-Studio-Projekte (*.%1)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Cannot save the project to %1: %2</source>
        <translation>Das Projekt kann nicht nach %1 gespeichert werden: %2</translation>
    </message>
    <message>
        <source>Cannot open the project %1: %2</source>
        <translation>Das Projekt %1 kann nicht geöffnet werden: %2</translation>
    </message>
    <message>
        <source>Autosave to %1 failed: %2</source>
        <translation>Automatisches Sichern nach %1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Cannot restore from %1: %2</source>
        <translation>Wiederherstellen aus %1 nicht möglich: %2</translation>
    </message>
</context>
<context>
    <name>segllm::ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <source>Shipped Model</source>
        <translation>Mitgeliefertes Modell</translation>
    </message>
    <message>
        <source>Automatic (CUDA if available)</source>
        <translation>Automatisch (CUDA, falls verfügbar)</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA (NVIDIA GPU)</source>
        <translation>CUDA (NVIDIA-GPU)</translation>
    </message>
    <message>
        <source>float32 (exact, most memory)</source>
        <translation>float32 (genau, größter Speicherbedarf)</translation>
    </message>
    <message>
        <source>bfloat16</source>
        <translation>bfloat16</translation>
    </message>
    <message>
        <source>float16</source>
        <translation>float16</translation>
    </message>
    <message>
        <source>Save a recovery copy every</source>
        <translation>Eine Wiederherstellungskopie sichern alle</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>&amp;Model folder:</source>
        <translation>&amp;Modellordner:</translation>
    </message>
    <message>
        <source>&amp;Device:</source>
        <translation>&amp;Gerät:</translation>
    </message>
    <message>
        <source>&amp;Precision:</source>
        <translation>&amp;Genauigkeit:</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <source>Autosave:</source>
        <translation>Automatisch sichern:</translation>
    </message>
    <message>
        <source>Model Folder</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <source>No model folder is set.</source>
        <translation>Es ist kein Modellordner eingestellt.</translation>
    </message>
    <message>
        <source>The shipped model is not installed (%1 does not exist).</source>
        <translation>Das mitgelieferte Modell ist nicht installiert (%1 existiert nicht).</translation>
    </message>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 existiert nicht.</translation>
    </message>
    <message>
        <source>%1 is not a folder.</source>
        <translation>%1 ist kein Ordner.</translation>
    </message>
    <message>
        <source>The folder exists; the model is checked when it is loaded.</source>
        <translation>Der Ordner existiert; das Modell wird beim Laden geprüft.</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ShortcutsDialog</name>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source> or </source>
        <translation> oder </translation>
    </message>
    <message>
        <source>Zoom around the cursor</source>
        <translation>Um den Mauszeiger zoomen</translation>
    </message>
    <message>
        <source>Mouse wheel</source>
        <translation>Mausrad</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>Verschieben</translation>
    </message>
    <message>
        <source>Drag with the middle button, Space + drag, or drag in the Select tool</source>
        <translation>Mit der mittleren Taste ziehen, Leertaste + Ziehen, oder Ziehen im Auswahlwerkzeug</translation>
    </message>
    <message>
        <source>Select an instance and reference it</source>
        <translation>Eine Instanz auswählen und referenzieren</translation>
    </message>
    <message>
        <source>Click it (Select tool)</source>
        <translation>Anklicken (Auswahlwerkzeug)</translation>
    </message>
    <message>
        <source>Brush or eraser size</source>
        <translation>Pinsel- oder Radierergröße</translation>
    </message>
    <message>
        <source>Ctrl + mouse wheel</source>
        <translation>Strg + Mausrad</translation>
    </message>
    <message>
        <source>Close a polygon / cancel it</source>
        <translation>Polygon schließen / abbrechen</translation>
    </message>
    <message>
        <source>Enter or double-click / Esc</source>
        <translation>Eingabe oder Doppelklick / Esc</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>Remove the last polygon point</source>
        <translation>Den letzten Polygonpunkt entfernen</translation>
    </message>
    <message>
        <source>Backspace</source>
        <translation>Rücktaste</translation>
    </message>
    <message>
        <source>Send the prompt</source>
        <translation>Die Eingabe senden</translation>
    </message>
    <message>
        <source>Enter (in the prompt box)</source>
        <translation>Eingabetaste (im Eingabefeld)</translation>
    </message>
    <message>
        <source>New line in the prompt</source>
        <translation>Neue Zeile in der Eingabe</translation>
    </message>
    <message>
        <source>Shift+Enter</source>
        <translation>Umschalt+Eingabetaste</translation>
    </message>
    <message>
        <source>Apply the typed label</source>
        <translation>Die eingetippte Beschriftung übernehmen</translation>
    </message>
    <message>
        <source>Enter (in the label box)</source>
        <translation>Eingabetaste (im Beschriftungsfeld)</translation>
    </message>
</context>
<context>
    <name>segllm::ui::Translator</name>
    <message>
        <source>System language</source>
        <translation>Systemsprache</translation>
    </message>
</context>
</TS>
