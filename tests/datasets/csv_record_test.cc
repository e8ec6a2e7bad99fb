// CSV rows from records (output/csv_record.h): RFC 4180 quoting, dotted columns from the field
// table, lists joined with ';' (items escaped as inside a JSON string), members of lists of
// objects lined up item by item, raw bytes escaped as in NDJSON, null and absent empty.
#include "output/csv_record.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "output/json_writer.h"

namespace starttls {
namespace {

// The cells of one CRLF-terminated row, RFC 4180 unquoted (a small reader of its own).
std::vector<std::string> Cells(const std::string& row) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    const char c = row[i];
    if (quoted) {
      if (c == '"' && i + 1 < row.size() && row[i + 1] == '"') {
        cells.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c == '\r' && i + 2 == row.size() && row[i + 1] == '\n') {
      break;
    } else {
      cells.back().push_back(c);
    }
  }
  return cells;
}

std::string Row(const CsvLayout& layout, const std::string& json) {
  std::string out;
  EXPECT_EQ(layout.AppendRowFromJson(json, &out), "");
  EXPECT_TRUE(out.ends_with("\r\n")) << out;
  return out;
}

TEST(CsvRecord, NamedColumnsQuotingListsAndRawBytes) {
  auto layout = CsvLayout::FromNames({"ip", "port", "names", "class", "clients.postfix",
                                      "banner.raw", "error", "timing_ms.connect", "anomalies"},
                                     {"host"});
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->Header(),
            "ip,port,names,class,clients.postfix,banner.raw,error,timing_ms.connect,anomalies\r\n");
  std::string record;
  JsonWriter w(&record);
  w.BeginObject();
  w.StringField("type", "host");
  w.StringField("ip", "192.0.2.1");
  w.IntField("port", 25);
  w.Key("names");
  w.BeginArray();
  w.String("mx;1.example");
  w.String("mx\"2");
  w.EndArray();
  w.NullField("class");
  w.Key("clients");
  w.BeginObject();
  w.BoolField("postfix", false);
  w.EndObject();
  w.Key("banner");
  w.BeginObject();
  w.RawBytesField("raw", std::string("220 m\xe9x, \"hi\"\r\n\x01"));
  w.EndObject();
  w.StringField("error", "line one\nline two");
  w.Key("timing_ms");
  w.BeginObject();
  w.DoubleField("connect", 12.5);
  w.EndObject();
  w.Key("anomalies");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  const std::vector<std::string> cells = Cells(Row(*layout, record));
  ASSERT_EQ(cells.size(), 9u);
  EXPECT_EQ(cells[0], "192.0.2.1");
  EXPECT_EQ(cells[1], "25");
  EXPECT_EQ(cells[2],
            "mx\\u003b1.example;mx\\\"2");  // ';' inside an item escaped, quote as in JSON
  EXPECT_EQ(cells[3], "");                  // null
  EXPECT_EQ(cells[4], "false");
  EXPECT_EQ(cells[5], "220 m\xc3\xa9x, \\\"hi\\\"\\r\\n\\u0001");  // as inside the NDJSON string
  EXPECT_EQ(cells[6], "line one\nline two");                       // text as it is, quoted by CSV
  EXPECT_EQ(cells[7], "12.5");
  EXPECT_EQ(cells[8], "");
}

TEST(CsvRecord, ListsOfObjectsLineUpItemByItem) {
  auto layout = CsvLayout::FromNames({"domain", "exchanges.name", "exchanges.preference",
                                      "exchanges.addresses", "exchanges.error", "endpoints"},
                                     {"domain"});
  ASSERT_TRUE(layout.ok()) << layout.status();
  const std::string record =
      R"({"type":"domain","domain":"a.example","exchanges":[)"
      R"({"name":"mx1.a.example","preference":10,"addresses":["192.0.2.1","192.0.2.2"],"error":null},)"
      R"({"name":"mx2.a.example","preference":20,"addresses":[]},)"
      R"({"name":"mx3.a.example","preference":30,"addresses":["192.0.2.3"],"error":"no address"}],)"
      R"("endpoints":[{"ip":"192.0.2.1","port":25}]})";
  const std::vector<std::string> cells = Cells(Row(*layout, record));
  ASSERT_EQ(cells.size(), 6u);
  EXPECT_EQ(cells[1], "mx1.a.example;mx2.a.example;mx3.a.example");
  EXPECT_EQ(cells[2], "10;20;30");
  EXPECT_EQ(
      cells[3],
      "192.0.2.1;192.0.2.2;;192.0.2.3");  // nested lists flatten; the empty one keeps its place
  EXPECT_EQ(cells[4], ";;no address");    // null and absent: empty items
  EXPECT_EQ(cells[5], R"([{"ip":"192.0.2.1","port":25}])");  // named as a whole: its JSON text
}

TEST(CsvRecord, DefaultColumnsComeFromTheFieldTable) {
  CsvLayout scan = CsvLayout::Default({"host", "domain", "error"});
  const std::vector<std::string>& columns = scan.columns();
  ASSERT_FALSE(columns.empty());
  EXPECT_EQ(columns.front(), "type");
  auto has = [&](const std::string& name) {
    return std::find(columns.begin(), columns.end(), name) != columns.end();
  };
  EXPECT_TRUE(has("tls.validation.trusted"));
  EXPECT_TRUE(has("clients.go_net_smtp"));
  EXPECT_TRUE(has("verdict"));
  EXPECT_TRUE(has("input"));
  EXPECT_FALSE(has("tls.chain.der"));  // bulky: only when named
  EXPECT_FALSE(has("tls"));            // objects are not cells; their members are
  EXPECT_FALSE(has("zgrab2_status"));  // a classify field
  EXPECT_EQ(std::count(columns.begin(), columns.end(), "ip"), 1);  // shared names once
}

TEST(CsvRecord, UnknownOrOverlappingNamesAreRefused) {
  auto unknown = CsvLayout::FromNames({"ip", "tls.versoin"}, {"host"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("tls.versoin"), std::string::npos);
  EXPECT_FALSE(CsvLayout::FromNames({"tls", "tls.version"}, {"host"}).ok());
  EXPECT_FALSE(CsvLayout::FromNames({"ip", "ip"}, {}).ok());
  EXPECT_FALSE(CsvLayout::FromNames({"verdict"}, {"host"}).ok());  // a domain field
  EXPECT_TRUE(CsvLayout::FromNames({"verdict"}, {}).ok());
}

TEST(CsvRecord, ObjectsAreRequired) {
  CsvLayout layout = CsvLayout::Default({"error"});
  std::string out;
  EXPECT_NE(layout.AppendRowFromJson("[1,2]", &out), "");
  EXPECT_NE(layout.AppendRowFromJson("{", &out), "");
}

}  // namespace
}  // namespace starttls
