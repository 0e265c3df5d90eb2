// DPDK's rte_acl as a peer of openwfp's classifier in the classify command.
// Built only when pkg-config finds libdpdk (OPENWFP_HAVE_RTE_ACL); this
// header names no DPDK type, so the rest of the benchmark compiles without
// DPDK's headers and flags.
#pragma once

#include <string>

#include "classify_work.hpp"

namespace bench {

// Starts DPDK's environment (EAL) once for the process: no hugepages, no PCI,
// lcore 0 (EAL pins the calling thread to CPU 0), `memory_mb` of ordinary
// memory for its heap, nothing written to disk, warnings silenced.
bool start_rte_acl(unsigned memory_mb, std::string* error);
// Releases what start_rte_acl took; EAL cannot start again afterwards.
void stop_rte_acl();

// Builds an ACL context from the rules (the first rule has the highest
// priority) and classifies the trace one header per call and kBatch per
// call, checking every answer. False (with `error`) when rte_acl refuses a
// rule or runs out of memory.
bool measure_rte_acl(const ClassifyWork& work, ClassifierFigures* out, std::string* error);

}  // namespace bench
