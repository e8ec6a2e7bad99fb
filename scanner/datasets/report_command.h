// `starttls-scan report`: the figures of one or more scans as a self-contained HTML page or as
// JSON (scanner/datasets/report_html.h, report_json.h).
#pragma once

namespace starttls {

int RunReportCommand(int argc, char** argv, int first);

}  // namespace starttls
