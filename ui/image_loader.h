#pragma once
// Reading an image file for display: EXIF orientation applied, a decoded-size limit, and an error
// message that names the file and the reason.

#include <QImage>
#include <QString>

namespace segllm::ui {

// Largest decoded image accepted by default, in MiB (Qt's own default is 256 MiB). 1 GiB holds a
// 16384 x 16384 ARGB image; a 6000 x 4000 photo needs about 92 MiB.
inline constexpr int kDefaultAllocationLimitMb = 1024;

// Result of loadImage(): on success `image` is valid and `error` is empty; on failure `image` is
// null and `error` reads "Cannot open <file>: <reason>."
struct LoadedImage {
    QImage image;
    QString error;
    bool ok() const { return !image.isNull(); }
};

// Reads `path` with QImageReader (auto-transform on, allocation limit `allocationLimitMb`).
// Reports a missing file, a folder, an empty or unreadable file, an unsupported format, damaged
// data, and an image above the limit (with its size in pixels and the memory it would need).
LoadedImage loadImage(const QString& path, int allocationLimitMb = kDefaultAllocationLimitMb);

// Name filters for a QFileDialog: "Images (*.png *.jpg ...)" with every format this Qt can read,
// then "All files (*)".
QString imageFileFilter();

}  // namespace segllm::ui
