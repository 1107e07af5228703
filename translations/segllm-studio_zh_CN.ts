<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ChatController</name>
    <message>
        <source>Round %1</source>
        <translation>第 %1 轮</translation>
    </message>
</context>
<context>
    <name>EditCommands</name>
    <message>
        <source>Add instance [%1]</source>
        <translation>添加实例 [%1]</translation>
    </message>
    <message>
        <source>Delete instance [%1]</source>
        <translation>删除实例 [%1]</translation>
    </message>
    <message>
        <source>Label [%1] as &quot;%2&quot;</source>
        <translation>将 [%1] 标注为“%2”</translation>
    </message>
    <message>
        <source>Show instance [%1]</source>
        <translation>显示实例 [%1]</translation>
    </message>
    <message>
        <source>Hide instance [%1]</source>
        <translation>隐藏实例 [%1]</translation>
    </message>
    <message>
        <source>Remove the label of [%1]</source>
        <translation>移除 [%1] 的标签</translation>
    </message>
</context>
<context>
    <name>Exporter</name>
    <message>
        <source>Wrote %1 annotations of %2 images to %3</source>
        <translation>已将 %2 张图像的 %1 条标注写入 %3</translation>
    </message>
    <message>
        <source>Wrote PNG masks of %1 images to %2</source>
        <translation>已将 %1 张图像的 PNG 掩码写入 %2</translation>
    </message>
    <message>
        <source>Wrote %1 labelme files to %2</source>
        <translation>已将 %1 个 labelme 文件写入 %2</translation>
    </message>
    <message>
        <source>Cannot export to %1: %2</source>
        <translation>无法导出到 %1：%2</translation>
    </message>
</context>
<context>
    <name>ImageLoader</name>
    <message>
        <source>Cannot open %1: %2.</source>
        <translation>无法打开 %1：%2。</translation>
    </message>
    <message>
        <source>no file name was given</source>
        <translation>未提供文件名</translation>
    </message>
    <message>
        <source>the file does not exist</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <source>it is a folder, not an image file</source>
        <translation>这是一个文件夹，不是图像文件</translation>
    </message>
    <message>
        <source>the file is not readable (permission denied)</source>
        <translation>文件不可读（权限被拒绝）</translation>
    </message>
    <message>
        <source>the file is empty</source>
        <translation>文件为空</translation>
    </message>
    <message>
        <source>not an image in a supported format (supported: %1)</source>
        <translation>不是受支持格式的图像（支持：%1）</translation>
    </message>
    <message>
        <source>the file is damaged (%1)</source>
        <translation>文件已损坏（%1）</translation>
    </message>
    <message>
        <source>the image is %1 x %2 pixels and needs %3 MiB when decoded, above the allocation limit of %4 MiB</source>
        <translation>图像为 %1 x %2 像素，解码需要 %3 MiB，超过了 %4 MiB 的内存上限</translation>
    </message>
    <message>
        <source>the image data cannot be decoded (%1)</source>
        <translation>无法解码图像数据（%1）</translation>
    </message>
    <message>
        <source>Images (%1)</source>
        <translation>图像 (%1)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ActionRegistry</name>
    <message>
        <source>&amp;Open Image...</source>
        <translation>打开图像(&amp;O)…</translation>
    </message>
    <message>
        <source>Open an image file</source>
        <translation>打开一个图像文件</translation>
    </message>
    <message>
        <source>Open &amp;Folder...</source>
        <translation>打开文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <source>Open every image of a folder</source>
        <translation>打开文件夹中的所有图像</translation>
    </message>
    <message>
        <source>Open &amp;Project...</source>
        <translation>打开项目(&amp;P)…</translation>
    </message>
    <message>
        <source>Ctrl+Alt+O</source>
        <translation>Ctrl+Alt+O</translation>
    </message>
    <message>
        <source>Open a saved project</source>
        <translation>打开已保存的项目</translation>
    </message>
    <message>
        <source>&amp;Save Project</source>
        <translation>保存项目(&amp;S)</translation>
    </message>
    <message>
        <source>Save the project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <source>Save Project &amp;As...</source>
        <translation>项目另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+S</source>
        <translation>Ctrl+Shift+S</translation>
    </message>
    <message>
        <source>COCO JSON, Current Image...</source>
        <translation>COCO JSON，当前图像…</translation>
    </message>
    <message>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <source>COCO JSON, All Images...</source>
        <translation>COCO JSON，所有图像…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+E</source>
        <translation>Ctrl+Shift+E</translation>
    </message>
    <message>
        <source>PNG Masks, Current Image...</source>
        <translation>PNG 掩码，当前图像…</translation>
    </message>
    <message>
        <source>PNG Masks, All Images...</source>
        <translation>PNG 掩码，所有图像…</translation>
    </message>
    <message>
        <source>labelme JSON, Current Image...</source>
        <translation>labelme JSON，当前图像…</translation>
    </message>
    <message>
        <source>labelme JSON, All Images...</source>
        <translation>labelme JSON，所有图像…</translation>
    </message>
    <message>
        <source>Se&amp;ttings...</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <source>Ctrl+,</source>
        <translation>Ctrl+,</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Ctrl+Q</source>
        <translation>Ctrl+Q</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
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
        <translation>删除实例(&amp;D)</translation>
    </message>
    <message>
        <source>Delete the selected instance</source>
        <translation>删除所选实例</translation>
    </message>
    <message>
        <source>Edit &amp;Label</source>
        <translation>编辑标签(&amp;L)</translation>
    </message>
    <message>
        <source>F2</source>
        <translation>F2</translation>
    </message>
    <message>
        <source>Type the label of the selected instance</source>
        <translation>输入所选实例的标签</translation>
    </message>
    <message>
        <source>&amp;Select</source>
        <translation>选择(&amp;S)</translation>
    </message>
    <message>
        <source>V</source>
        <translation>V</translation>
    </message>
    <message>
        <source>Click an instance to select and reference it; drag to pan</source>
        <translation>单击实例以选择并引用它；拖动以平移</translation>
    </message>
    <message>
        <source>&amp;Brush</source>
        <translation>画笔(&amp;B)</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>Paint on the selected instance</source>
        <translation>在所选实例上绘制</translation>
    </message>
    <message>
        <source>&amp;Eraser</source>
        <translation>橡皮擦(&amp;E)</translation>
    </message>
    <message>
        <source>E</source>
        <translation>E</translation>
    </message>
    <message>
        <source>Erase from the selected instance</source>
        <translation>从所选实例中擦除</translation>
    </message>
    <message>
        <source>Polygon &amp;Add</source>
        <translation>多边形添加(&amp;A)</translation>
    </message>
    <message>
        <source>P</source>
        <translation>P</translation>
    </message>
    <message>
        <source>Click points, Enter or double-click to add the area (a new instance if none is selected); Esc cancels</source>
        <translation>单击各点，按回车或双击添加该区域（未选择实例时新建一个实例）；Esc 取消</translation>
    </message>
    <message>
        <source>Polygon S&amp;ubtract</source>
        <translation>多边形减去(&amp;U)</translation>
    </message>
    <message>
        <source>Shift+P</source>
        <translation>Shift+P</translation>
    </message>
    <message>
        <source>Click points, Enter or double-click to remove the area; Esc cancels</source>
        <translation>单击各点，按回车或双击移除该区域；Esc 取消</translation>
    </message>
    <message>
        <source>Larger Brush</source>
        <translation>增大画笔</translation>
    </message>
    <message>
        <source>]</source>
        <translation>]</translation>
    </message>
    <message>
        <source>Smaller Brush</source>
        <translation>减小画笔</translation>
    </message>
    <message>
        <source>[</source>
        <translation>[</translation>
    </message>
    <message>
        <source>&amp;Next Image</source>
        <translation>下一张图像(&amp;N)</translation>
    </message>
    <message>
        <source>PgDown</source>
        <translation>PgDown</translation>
    </message>
    <message>
        <source>&amp;Previous Image</source>
        <translation>上一张图像(&amp;P)</translation>
    </message>
    <message>
        <source>PgUp</source>
        <translation>PgUp</translation>
    </message>
    <message>
        <source>Next Image (canvas focused)</source>
        <translation>下一张图像（画布获得焦点时）</translation>
    </message>
    <message>
        <source>D</source>
        <translation>D</translation>
    </message>
    <message>
        <source>Previous Image (canvas focused)</source>
        <translation>上一张图像（画布获得焦点时）</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Ctrl+=</source>
        <translation>Ctrl+=</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit to Window</source>
        <translation>适应窗口(&amp;F)</translation>
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
        <translation>实际大小 (1:1)(&amp;A)</translation>
    </message>
    <message>
        <source>Ctrl+1</source>
        <translation>Ctrl+1</translation>
    </message>
    <message>
        <source>Show &amp;Overlays</source>
        <translation>显示叠加层(&amp;O)</translation>
    </message>
    <message>
        <source>H</source>
        <translation>H</translation>
    </message>
    <message>
        <source>Show or hide every instance overlay</source>
        <translation>显示或隐藏所有实例叠加层</translation>
    </message>
    <message>
        <source>F&amp;ull Screen</source>
        <translation>全屏(&amp;U)</translation>
    </message>
    <message>
        <source>F11</source>
        <translation>F11</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>&amp;About SegLLM Studio</source>
        <translation>关于 SegLLM Studio(&amp;A)</translation>
    </message>
    <message>
        <source>K</source>
        <translation>K</translation>
    </message>
    <message>
        <source>Pick Alter&amp;native</source>
        <translation>选取备选(&amp;N)</translation>
    </message>
    <message>
        <source>Click a point: the model&apos;s best-ranked candidate of the selected instance that contains it replaces the mask</source>
        <translation>点击一个点：模型为所选实例给出的、包含该点的排名最高的候选结果将替换其掩码</translation>
    </message>
    <message>
        <source>Type a &amp;Prompt</source>
        <translation>输入提示(&amp;P)</translation>
    </message>
    <message>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <source>Move the keyboard focus to the prompt box</source>
        <translation>将键盘焦点移到提示输入框</translation>
    </message>
    <message>
        <source>&amp;Cancel Round</source>
        <translation>取消本轮(&amp;C)</translation>
    </message>
    <message>
        <source>Esc</source>
        <translation>Esc</translation>
    </message>
    <message>
        <source>Stop the running round; it leaves nothing behind</source>
        <translation>停止正在运行的一轮，不留下任何结果</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ChatController</name>
    <message>
        <source>Model not loaded: %1</source>
        <translation>模型未加载：%1</translation>
    </message>
    <message>
        <source>Model not loaded</source>
        <translation>模型未加载</translation>
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
        <translation>模型：%1，运行于 %2</translation>
    </message>
    <message>
        <source>CUDA not used</source>
        <translation>未使用 CUDA</translation>
    </message>
    <message>
        <source>CUDA not used: %1</source>
        <translation>未使用 CUDA：%1</translation>
    </message>
    <message>
        <source>Round cancelled</source>
        <translation>本轮已取消</translation>
    </message>
    <message>
        <source>Select an instance made by a round to pick an alternative</source>
        <translation>请选择由某一轮生成的实例以选取备选结果</translation>
    </message>
    <message>
        <source>the conversation changed while the round ran; please ask again</source>
        <translation>本轮运行期间对话已改变，请重新提问</translation>
    </message>
    <message>
        <source>instance [%1] already exists (made by hand); delete it to continue the conversation</source>
        <translation>实例 [%1] 已存在（手工创建）；请删除它以继续对话</translation>
    </message>
    <message>
        <source>Pick alternative for [%1]</source>
        <translation>为 [%1] 选取备选结果</translation>
    </message>
    <message>
        <source>Open an image to start a conversation</source>
        <translation>打开一张图像以开始对话</translation>
    </message>
    <message>
        <source>Model loading cancelled</source>
        <translation>已取消加载模型</translation>
    </message>
    <message>
        <source>reading the configuration</source>
        <translation>读取配置</translation>
    </message>
    <message>
        <source>building the model</source>
        <translation>构建模型</translation>
    </message>
    <message>
        <source>reading the tokenizer</source>
        <translation>读取分词器</translation>
    </message>
    <message>
        <source>loading weights</source>
        <translation>加载权重</translation>
    </message>
    <message>
        <source>moving to the device</source>
        <translation>移至设备</translation>
    </message>
    <message>
        <source>warming up</source>
        <translation>预热</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Loading model...</source>
        <translation>正在加载模型...</translation>
    </message>
    <message>
        <source>Loading model: %1 %2%</source>
        <translation>正在加载模型：%1 %2%</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ChatPane</name>
    <message>
        <source>Ask for an object, e.g. &quot;Segment the red circle.&quot;</source>
        <translation>描述要分割的物体，例如 &quot;分割红色的圆。&quot;</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Encoding the image</source>
        <translation>正在编码图像</translation>
    </message>
    <message>
        <source>Reading the prompt</source>
        <translation>正在读取提示</translation>
    </message>
    <message>
        <source>Encoding references</source>
        <translation>正在编码引用</translation>
    </message>
    <message>
        <source>Language model</source>
        <translation>语言模型</translation>
    </message>
    <message>
        <source>Decoding the mask</source>
        <translation>正在解码掩码</translation>
    </message>
    <message>
        <source>Resizing the mask</source>
        <translation>正在缩放掩码</translation>
    </message>
    <message>
        <source>You:</source>
        <translation>你：</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>错误：%1</translation>
    </message>
    <message>
        <source>score %1, %2 s</source>
        <translation>得分 %1，%2 秒</translation>
    </message>
    <message>
        <source>(instance deleted)</source>
        <translation>（实例已删除）</translation>
    </message>
    <message>
        <source>Round %1:</source>
        <translation>第 %1 轮：</translation>
    </message>
    <message>
        <source>Starting...</source>
        <translation>正在开始...</translation>
    </message>
    <message>
        <source>Send the prompt (Enter; Shift+Enter starts a new line)</source>
        <translation>发送提示（回车；Shift+回车换行）</translation>
    </message>
    <message>
        <source>Stop the running round</source>
        <translation>停止正在运行的一轮</translation>
    </message>
</context>
<context>
    <name>segllm::ui::EditController</name>
    <message>
        <source>Select an instance to paint on (or draw a polygon to add one).</source>
        <translation>请选择要绘制的实例（或绘制多边形以添加一个实例）。</translation>
    </message>
    <message>
        <source>Erase from [%1]</source>
        <translation>从 [%1] 擦除</translation>
    </message>
    <message>
        <source>Paint on [%1]</source>
        <translation>在 [%1] 上绘制</translation>
    </message>
    <message>
        <source>Select the instance to subtract from.</source>
        <translation>请选择要从中减去的实例。</translation>
    </message>
    <message>
        <source>The polygon covers no pixel centre; nothing was added.</source>
        <translation>多边形未覆盖任何像素中心；未添加任何内容。</translation>
    </message>
    <message>
        <source>The polygon changed no pixel of [%1].</source>
        <translation>多边形未改变 [%1] 的任何像素。</translation>
    </message>
    <message>
        <source>Add polygon to [%1]</source>
        <translation>向 [%1] 添加多边形</translation>
    </message>
    <message>
        <source>Subtract polygon from [%1]</source>
        <translation>从 [%1] 减去多边形</translation>
    </message>
    <message>
        <source>Brush size %1 px</source>
        <translation>画笔大小 %1 像素</translation>
    </message>
</context>
<context>
    <name>segllm::ui::FileController</name>
    <message>
        <source>Cannot open %1: the folder contains no image that can be read.</source>
        <translation>无法打开 %1：该文件夹中没有可读取的图像。</translation>
    </message>
    <message>
        <source>There are unsaved changes of %1 from %2 (autosaved). Restore them?</source>
        <translation>%1 有来自 %2 的未保存更改（自动保存）。是否恢复？</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Save Project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <source>Export to Folder</source>
        <translation>导出到文件夹</translation>
    </message>
    <message>
        <source>Export COCO JSON</source>
        <translation>导出 COCO JSON</translation>
    </message>
    <message>
        <source>COCO JSON (*.json)</source>
        <translation>COCO JSON (*.json)</translation>
    </message>
    <message>
        <source>The project has unsaved changes. Save them?</source>
        <translation>项目有未保存的更改。是否保存？</translation>
    </message>
    <message>
        <source>SegLLM Studio did not close cleanly. Restore the unsaved work autosaved at %1?</source>
        <translation>SegLLM Studio 未正常关闭。是否恢复于 %1 自动保存的未保存工作？</translation>
    </message>
    <message>
        <source>SegLLM Studio did not close cleanly. Restore the unsaved changes of %1 autosaved at %2?</source>
        <translation>SegLLM Studio 未正常关闭。是否恢复 %1 于 %2 自动保存的未保存更改？</translation>
    </message>
    <message>
        <source>Open Folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Open Project</source>
        <translation>打开项目</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ImageCanvas</name>
    <message>
        <source>Open an image with File &gt; Open, or drop one here.</source>
        <translation>通过“文件 &gt; 打开”打开图像，或将图像拖放到此处。</translation>
    </message>
</context>
<context>
    <name>segllm::ui::InstanceListModel</name>
    <message>
        <source>[%1] (no label)</source>
        <translation>[%1]（无标签）</translation>
    </message>
    <message>
        <source>Instance [%1]: %2 pixels%3%4</source>
        <translation>实例 [%1]：%2 像素%3%4</translation>
    </message>
    <message>
        <source>, round %1, score %2</source>
        <translation>，第 %1 轮，置信度 %2</translation>
    </message>
    <message>
        <source>, edited by hand</source>
        <translation>，已手动编辑</translation>
    </message>
</context>
<context>
    <name>segllm::ui::InstancePanel</name>
    <message>
        <source>Label of the selected instance</source>
        <translation>所选实例的标签</translation>
    </message>
    <message>
        <source>Type a category name and press Enter, or pick one</source>
        <translation>输入类别名称并按回车，或从列表中选择</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete the selected instance</source>
        <translation>删除所选实例</translation>
    </message>
    <message>
        <source>&amp;Label:</source>
        <translation>标签(&amp;L)：</translation>
    </message>
</context>
<context>
    <name>segllm::ui::MainWindow</name>
    <message>
        <source>Stop loading</source>
        <translation>停止加载</translation>
    </message>
    <message>
        <source>Stop loading the model</source>
        <translation>停止加载模型</translation>
    </message>
    <message>
        <source>Load Model</source>
        <translation>加载模型</translation>
    </message>
    <message>
        <source>Load the model chosen in Settings</source>
        <translation>加载在“设置”中选择的模型</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>Instances</source>
        <translation>实例</translation>
    </message>
    <message>
        <source>%1 x %2 px</source>
        <translation>%1 x %2 像素</translation>
    </message>
    <message>
        <source>%1%</source>
        <translation>%1%</translation>
    </message>
    <message>
        <source>Image %1 of %2</source>
        <translation>第 %1 张，共 %2 张</translation>
    </message>
    <message>
        <source>%1[*]</source>
        <translation>%1[*]</translation>
    </message>
    <message>
        <source>%1[*] - %2</source>
        <translation>%1[*] - %2</translation>
    </message>
    <message>
        <source>%1 (%2)[*] - %3</source>
        <translation>%1 (%2)[*] - %3</translation>
    </message>
    <message>
        <source>x %1, y %2</source>
        <translation>x %1，y %2</translation>
    </message>
    <message>
        <source>The instances stored for %1 do not match its size of %2 x %3 pixels; the file may have changed since the project was saved.</source>
        <translation>为 %1 保存的实例与其 %2 x %3 像素的尺寸不符；项目保存后该文件可能已被更改。</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <source>Open Image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <source>About SegLLM Studio</source>
        <translation>关于 SegLLM Studio</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>&lt;h3&gt;SegLLM Studio %1&lt;/h3&gt;&lt;p&gt;Chat with an image: multi-round reasoning segmentation (SegLLM) on the desktop.&lt;/p&gt;&lt;p&gt;Ask for objects in the conversation, refer to earlier answers with [k], then correct, label and export the instance masks.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;SegLLM Studio %1&lt;/h3&gt;&lt;p&gt;与图像对话：桌面上的多轮推理分割（SegLLM）。&lt;/p&gt;&lt;p&gt;在对话中描述要分割的物体，用 [k] 引用之前的回答，然后修正、标注并导出实例掩码。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>对话(&amp;C)</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ProjectSession</name>
    <message>
        <source>SegLLM Studio projects (*.%1)</source>
        <translation>SegLLM Studio 项目 (*.%1)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Cannot save the project to %1: %2</source>
        <translation>无法将项目保存到 %1：%2</translation>
    </message>
    <message>
        <source>Cannot open the project %1: %2</source>
        <translation>无法打开项目 %1：%2</translation>
    </message>
    <message>
        <source>Autosave to %1 failed: %2</source>
        <translation>自动保存到 %1 失败：%2</translation>
    </message>
    <message>
        <source>Cannot restore from %1: %2</source>
        <translation>无法从 %1 恢复：%2</translation>
    </message>
</context>
<context>
    <name>segllm::ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Shipped Model</source>
        <translation>内置模型</translation>
    </message>
    <message>
        <source>Automatic (CUDA if available)</source>
        <translation>自动（可用时使用 CUDA）</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA (NVIDIA GPU)</source>
        <translation>CUDA（NVIDIA GPU）</translation>
    </message>
    <message>
        <source>float32 (exact, most memory)</source>
        <translation>float32（精确，占用内存最多）</translation>
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
        <translation>保存恢复副本，间隔</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>&amp;Model folder:</source>
        <translation>模型文件夹(&amp;M)：</translation>
    </message>
    <message>
        <source>&amp;Device:</source>
        <translation>设备(&amp;D)：</translation>
    </message>
    <message>
        <source>&amp;Precision:</source>
        <translation>精度(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>Autosave:</source>
        <translation>自动保存：</translation>
    </message>
    <message>
        <source>Model Folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>No model folder is set.</source>
        <translation>未设置模型文件夹。</translation>
    </message>
    <message>
        <source>The shipped model is not installed (%1 does not exist).</source>
        <translation>内置模型未安装（%1 不存在）。</translation>
    </message>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 不存在。</translation>
    </message>
    <message>
        <source>%1 is not a folder.</source>
        <translation>%1 不是文件夹。</translation>
    </message>
    <message>
        <source>The folder exists; the model is checked when it is loaded.</source>
        <translation>文件夹存在；模型将在加载时检查。</translation>
    </message>
</context>
<context>
    <name>segllm::ui::ShortcutsDialog</name>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source> or </source>
        <translation> 或 </translation>
    </message>
    <message>
        <source>Zoom around the cursor</source>
        <translation>以光标为中心缩放</translation>
    </message>
    <message>
        <source>Mouse wheel</source>
        <translation>鼠标滚轮</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <source>Drag with the middle button, Space + drag, or drag in the Select tool</source>
        <translation>按住中键拖动、空格 + 拖动，或在选择工具中拖动</translation>
    </message>
    <message>
        <source>Select an instance and reference it</source>
        <translation>选择并引用实例</translation>
    </message>
    <message>
        <source>Click it (Select tool)</source>
        <translation>单击实例（选择工具）</translation>
    </message>
    <message>
        <source>Brush or eraser size</source>
        <translation>画笔或橡皮擦大小</translation>
    </message>
    <message>
        <source>Ctrl + mouse wheel</source>
        <translation>Ctrl + 鼠标滚轮</translation>
    </message>
    <message>
        <source>Close a polygon / cancel it</source>
        <translation>闭合多边形 / 取消</translation>
    </message>
    <message>
        <source>Enter or double-click / Esc</source>
        <translation>回车或双击 / Esc</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Remove the last polygon point</source>
        <translation>删除多边形的最后一个点</translation>
    </message>
    <message>
        <source>Backspace</source>
        <translation>退格键</translation>
    </message>
    <message>
        <source>Send the prompt</source>
        <translation>发送提示</translation>
    </message>
    <message>
        <source>Enter (in the prompt box)</source>
        <translation>回车（在提示输入框中）</translation>
    </message>
    <message>
        <source>New line in the prompt</source>
        <translation>在提示中换行</translation>
    </message>
    <message>
        <source>Shift+Enter</source>
        <translation>Shift+回车</translation>
    </message>
    <message>
        <source>Apply the typed label</source>
        <translation>应用输入的标签</translation>
    </message>
    <message>
        <source>Enter (in the label box)</source>
        <translation>回车（在标签框中）</translation>
    </message>
</context>
<context>
    <name>segllm::ui::Translator</name>
    <message>
        <source>System language</source>
        <translation>系统语言</translation>
    </message>
</context>
</TS>
