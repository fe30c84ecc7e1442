#pragma once

class QTableWidget;

namespace hwb {

struct ResultsTable;

// Shows the results table (docs/STUDIES.md) in `view` as its text formats show it: one read-only
// row per method, the header as Markdown has it. An empty table leaves the view empty. The Study
// page and Compare's By-seed tab both show it this way.
void show_results_table(QTableWidget* view, const ResultsTable& table);

}  // namespace hwb
