// wfpctl's commands against a running wfpd: apply and export, providers,
// sublayers, callouts and filters, net events, show state.
#pragma once

#include <cstdint>
#include <string>

namespace wfpctl {

struct ManageOptions {
  std::string socket = "/run/openwfp/wfpd.sock";
  bool json = false;
  std::string policy;  // apply
  std::string layer;     // filter list, events
  std::string sublayer;  // filter list
  std::string provider;  // filter list, sublayer list
  uint64_t id = 0;       // filter delete
  std::string key;       // provider/sublayer/filter delete
  std::string file;      // provider/sublayer/filter add: one object in a file
  std::string object;    // ... or inline
  std::string out;       // export
  bool follow = false;   // events
  bool stored = false;   // events: from the store's table
  std::string type;      // events
  uint64_t filter = 0;   // events
  uint64_t limit = 0;    // events
};

int run_apply(const ManageOptions& o);         // the policy in one transaction: all or nothing
int run_filter_list(const ManageOptions& o);
int run_filter_delete(const ManageOptions& o);
int run_show_state(const ManageOptions& o);    // every object and counter, like netsh wfp show state
int run_export(const ManageOptions& o);        // a policy file that apply takes back
int run_list(const std::string& kind, const ManageOptions& o);    // provider, sublayer, callout
int run_add(const std::string& kind, const ManageOptions& o);     // provider, sublayer, filter
int run_delete(const std::string& kind, const ManageOptions& o);  // provider, sublayer
int run_events(const ManageOptions& o);        // net events, or a live stream with follow

}  // namespace wfpctl
