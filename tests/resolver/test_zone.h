// The zones our resolver integration tests and benchmark serve with NSD: every MX shape a
// sending MTA meets (see MakeResolverTestZones for the list), in documentation address space.
#pragma once

#include <string>
#include <vector>

#include "tests/resolver/nsd_server.h"

namespace starttls {

inline constexpr char kTestZone[] = "resolver.test";
inline constexpr char kSecondZone[] = "second.test";
// Configured as a secondary without data: NSD answers SERVFAIL (a lame server).
inline constexpr char kLameZone[] = "lame.test";

// `load_domains` extra domains d<i>.load.resolver.test, each with its own exchange
// m<i>.load.resolver.test (A 10.(i/65536).(i/256%256).(i%256), AAAA fd00::<i>).
std::vector<NsdZone> MakeResolverTestZones(int load_domains);

}  // namespace starttls
