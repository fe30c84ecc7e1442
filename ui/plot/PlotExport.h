#pragma once

#include <QString>

class QCustomPlot;
class QWidget;

namespace hwb {

// Writing a plot to a file. Each returns an empty string on success, otherwise why it failed
// (the file could not be written, an unknown suffix). width/height 0: the plot's on-screen size.
QString save_plot_png(QCustomPlot* plot, const QString& file, int width = 0, int height = 0);
// Vector output through QSvgGenerator, drawn by QCustomPlot's own painter so lines stay lines.
QString save_plot_svg(QCustomPlot* plot, const QString& file, int width = 0, int height = 0);
QString save_plot_pdf(QCustomPlot* plot, const QString& file, int width = 0, int height = 0);
// By the file's suffix: .png, .svg or .pdf.
QString save_plot(QCustomPlot* plot, const QString& file, int width = 0, int height = 0);

// Asks for a file name (PNG, SVG or PDF; the last folder is remembered) and saves the plot;
// failures are shown in a message box. `suggested_name` seeds the file name.
void export_plot_interactively(QWidget* parent, QCustomPlot* plot, const QString& suggested_name);

}  // namespace hwb
