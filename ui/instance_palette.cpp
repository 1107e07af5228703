#include "ui/instance_palette.h"

namespace segllm::ui {

QColor instanceColor(int id) {
    // Kelly's colours of maximum contrast (white and black left out), then a few saturated
    // extras: neighbours in the list differ strongly in hue or lightness.
    static const QRgb kColors[kPaletteSize] = {0xFFB300, 0x803E75, 0xFF6800, 0xA6BDD7, 0xC10020,
                                               0xCEA262, 0x817066, 0x007D34, 0xF6768E, 0x00538A,
                                               0xFF7A5C, 0x53377A, 0xFF8E00, 0xB32851, 0xF4C800,
                                               0x7F180D, 0x93AA00, 0x593315, 0xF13A13, 0x232C16};
    const int index = id < 1 ? 0 : (id - 1) % kPaletteSize;
    return QColor::fromRgb(kColors[index]);
}

}  // namespace segllm::ui
