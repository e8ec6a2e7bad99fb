// The per-record field lists behind output/field_table.h, one definition file per group.
#pragma once

#include <span>

#include "output/field_table.h"

namespace starttls {

std::span<const FieldSpec> HostFields();      // output/field_table_host.cc
std::span<const FieldSpec> ClassifyFields();  // output/field_table_host.cc
std::span<const FieldSpec> DomainFields();    // output/field_table_domain.cc

}  // namespace starttls
