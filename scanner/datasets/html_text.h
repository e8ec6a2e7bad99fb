// Text pieces of the report page: HTML escaping (record text may hold any byte), JSON Pointers
// (RFC 6901) that name a figure in `report --format json`, and number formatting. Every number
// the page shows is an element carrying data-key (its JSON Pointer) and data-value (the value
// exactly as the JSON has it); every share carries data-num and data-den (the pointers of its
// two counts), so a test can check the page against the JSON.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace starttls::html {

// &, <, >, " and ' as entities; control characters as visible \u00XX; valid UTF-8 kept,
// other bytes as U+FFFD.
std::string Escape(std::string_view text);

// "/hosts/by_status/success" from {"hosts", "by_status", "success"} (~ and / escaped).
std::string Pointer(std::initializer_list<std::string_view> parts);
std::string PointerJoin(const std::string& base, std::string_view part);

// 1234567 -> "1,234,567".
std::string Grouped(uint64_t value);
// The shortest text that reads back to `value` (as the JSON writer writes doubles).
std::string DoubleText(double value);
// 100 * num / den with one decimal and " %", or "–" when den is 0.
std::string ShareText(uint64_t num, uint64_t den);

// <TAG data-key=".." data-value="..">1,234</TAG>
std::string Count(std::string_view tag, const std::string& pointer, uint64_t value);
// The same for a double, shown with `decimals` decimals and a unit.
std::string Measure(std::string_view tag, const std::string& pointer, double value, int decimals,
                    std::string_view unit);
// <span class="share" data-num=".." data-den="..">12.3 %</span>
std::string Share(const std::string& num_pointer, const std::string& den_pointer, uint64_t num,
                  uint64_t den);

}  // namespace starttls::html
