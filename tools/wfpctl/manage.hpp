// wfpctl's commands against a running wfpd: apply, filter list/delete, show state.
#pragma once

#include <cstdint>
#include <string>

namespace wfpctl {

struct ManageOptions {
  std::string socket = "/run/openwfp/wfpd.sock";
  bool json = false;
  std::string policy;  // apply
  std::string layer;   // filter list
  uint64_t id = 0;     // filter delete
  std::string key;     // filter delete
};

int run_apply(const ManageOptions& o);         // the policy in one transaction: all or nothing
int run_filter_list(const ManageOptions& o);
int run_filter_delete(const ManageOptions& o);
int run_show_state(const ManageOptions& o);    // every object, like netsh wfp show state

}  // namespace wfpctl
