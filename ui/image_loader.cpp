#include "ui/image_loader.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QStringList>

namespace segllm::ui {

namespace {

// Translation context of the messages below.
struct ImageLoader {
    Q_DECLARE_TR_FUNCTIONS(ImageLoader)
};

LoadedImage failure(const QString& path, const QString& reason) {
    LoadedImage result;
    result.error =
        ImageLoader::tr("Cannot open %1: %2.").arg(QDir::toNativeSeparators(path), reason);
    return result;
}

QString supportedFormats() {
    QStringList formats;
    for (const QByteArray& f : QImageReader::supportedImageFormats()) {
        formats << QString::fromLatin1(f);
    }
    return formats.join(QStringLiteral(", "));
}

}  // namespace

LoadedImage loadImage(const QString& path, int allocationLimitMb) {
    const QFileInfo info(path);
    if (path.isEmpty()) {
        return failure(path, ImageLoader::tr("no file name was given"));
    }
    if (!info.exists()) {
        return failure(path, ImageLoader::tr("the file does not exist"));
    }
    if (info.isDir()) {
        return failure(path, ImageLoader::tr("it is a folder, not an image file"));
    }
    if (!info.isReadable()) {
        return failure(path, ImageLoader::tr("the file is not readable (permission denied)"));
    }
    if (info.size() == 0) {
        return failure(path, ImageLoader::tr("the file is empty"));
    }

    QImageReader reader(path);
    reader.setAutoTransform(true);
    reader.setAllocationLimit(allocationLimitMb);
    if (!reader.canRead()) {
        if (reader.error() == QImageReader::UnsupportedFormatError) {
            return failure(path,
                           ImageLoader::tr("not an image in a supported format (supported: %1)")
                               .arg(supportedFormats()));
        }
        return failure(path, ImageLoader::tr("the file is damaged (%1)").arg(reader.errorString()));
    }
    const QSize size = reader.size();
    if (size.isValid()) {
        // Decoded as 32 bits per pixel for display.
        const qint64 bytes = qint64(size.width()) * qint64(size.height()) * 4;
        const qint64 limit = qint64(allocationLimitMb) * 1024 * 1024;
        if (bytes > limit) {
            return failure(
                path, ImageLoader::tr("the image is %1 x %2 pixels and needs %3 MiB when decoded, "
                                      "above the allocation limit of %4 MiB")
                          .arg(size.width())
                          .arg(size.height())
                          .arg((bytes + 1024 * 1024 - 1) / (1024 * 1024))
                          .arg(allocationLimitMb));
        }
    }
    LoadedImage result;
    result.image = reader.read();
    if (result.image.isNull()) {
        return failure(
            path,
            ImageLoader::tr("the image data cannot be decoded (%1)").arg(reader.errorString()));
    }
    return result;
}

QString imageFileFilter() {
    QStringList patterns;
    for (const QByteArray& f : QImageReader::supportedImageFormats()) {
        patterns << QStringLiteral("*.") + QString::fromLatin1(f);
    }
    return ImageLoader::tr("Images (%1)").arg(patterns.join(QLatin1Char(' '))) +
           QStringLiteral(";;") + ImageLoader::tr("All files (*)");
}

}  // namespace segllm::ui
