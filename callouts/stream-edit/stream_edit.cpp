// The stream-edit callout, inline at the STREAM layer (a CALLOUT_TERMINATING
// filter at STREAM_V4/V6):
//  - no occurrence of `find` in the indicated bytes: Permit them, except a
//    tail that could be the start of an occurrence: that tail is held
//    (countBytesEnforced permits the rest, NEED_MORE_DATA asks for one more
//    byte), so an occurrence split across segments is still found;
//  - occurrences present: the indicated bytes are rebuilt with every
//    occurrence replaced, injected in their place (FwpsStreamInjectAsync0,
//    inline) and the originals blocked. The stack then rewrites the
//    connection's packets so the conversation stays consistent.
// Each indication is at most the stack's hold size plus one segment; the
// callout copies it into a buffer owned by the instance (one data-path
// thread per instance, as the replay runs; see README.md).
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/plugin_support.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/fwps.hpp"
#include "stream-edit/plugin.hpp"

namespace openwfp::callouts::stream_edit {
namespace {

using plugin_support::Counter;

plugin_support::HostHolder g_host;

constexpr size_t kMaxIndication = 128 * 1024;
constexpr size_t kMaxPattern = 4096;

struct Editor {
  std::string name;
  std::string find;
  std::string replace;
  HANDLE injection = nullptr;
  netbuf::NetBufferListPool pool{64, static_cast<uint32_t>(kMaxIndication * 2), 0};
  std::vector<uint8_t> in = std::vector<uint8_t>(kMaxIndication);
  std::vector<uint8_t> out = std::vector<uint8_t>(kMaxIndication * 2);
  Counter replacements, indications, injectFailures, tooLarge;
};

openwfp_status create(const openwfp_plugin_host* host, const char* instanceName, const char* optionsJson,
                      void** instance, char* error, size_t errorSize) {
  using plugin_support::fail;
  return plugin_support::create_instance(
      g_host, host, instance, error, errorSize, "out of memory", [&](std::string* why) -> std::unique_ptr<Editor> {
        const nlohmann::json o = nlohmann::json::parse(optionsJson != nullptr ? optionsJson : "{}", nullptr, false);
        if (!o.is_object()) return fail(why, "/: options are a JSON object");
        for (const auto& [key, value] : o.items()) {
          if (key != "find" && key != "replace" && key != "comment") {
            return fail(why, "/" + key + ": unknown option (find, replace)");
          }
          if (!value.is_string()) return fail(why, "/" + key + ": a string");
        }
        if (!o.contains("find") || !o.contains("replace")) {
          return fail(why, "/: both \"find\" and \"replace\" are needed");
        }
        auto self = std::make_unique<Editor>();
        self->name = instanceName;
        self->find = o["find"].get<std::string>();
        self->replace = o["replace"].get<std::string>();
        if (self->find.empty() || self->find.size() > kMaxPattern) return fail(why, "/find: 1 to 4096 bytes");
        if (self->replace.size() > kMaxPattern) return fail(why, "/replace: at most 4096 bytes");
        if (FwpsInjectionHandleCreate0(WFP_AF_UNSPEC, FWPS_INJECTION_TYPE_STREAM, &self->injection) !=
            Status::SUCCESS) {
          return fail(why, "cannot create an injection handle");
        }
        return self;
      });
}

void destroy(void* instance) {
  std::unique_ptr<Editor> self(static_cast<Editor*>(instance));
  FwpsInjectionHandleDestroy0(self->injection);
  char line[256];
  std::snprintf(line, sizeof line, "stream-edit '%s': %llu indications, %llu replacements, %llu inject failures, "
                "%llu indications too large to edit", self->name.c_str(), self->indications.get(),
                self->replacements.get(), self->injectFailures.get(), self->tooLarge.get());
  g_host.log(OPENWFP_LOG_INFO, line);
}

void injected(void*, NetBufferList* nbl, bool) { netbuf::free_net_buffer_list(nbl); }

// The longest tail of data[0..n) that is a proper prefix of `find`.
size_t partial_tail(const uint8_t* data, size_t n, const std::string& find) noexcept {
  const size_t longest = find.size() - 1 < n ? find.size() - 1 : n;
  for (size_t k = longest; k > 0; --k) {
    if (std::memcmp(data + n - k, find.data(), k) == 0) return k;
  }
  return 0;
}

void classify(const IncomingValues*, const IncomingMetadata* meta, void* layerData, const void*,
              const FilterView* filter, uint64_t, ClassifyOut* out) {
  Editor* self = g_host.instance_for<Editor>(filter->action.calloutId);
  auto* io = static_cast<StreamCalloutIoPacket*>(layerData);
  out->actionType = FWP_ACTION_PERMIT;
  if (self == nullptr || io == nullptr || io->streamData == nullptr) return;
  const StreamData& sd = *io->streamData;
  self->indications.add();
  if (sd.dataLength == 0) return;  // a FIN or RST alone
  if (sd.dataLength > self->in.size()) {
    self->tooLarge.add();  // permitted unedited (counted)
    return;
  }
  size_t n = 0;
  FwpsCopyStreamDataToBuffer0(&sd, self->in.data(), sd.dataLength, &n);
  const uint8_t* data = self->in.data();
  const std::string& find = self->find;
  const bool ending = (sd.flags & (FWPS_STREAM_FLAG_SEND_DISCONNECT | FWPS_STREAM_FLAG_RECEIVE_DISCONNECT |
                                   FWPS_STREAM_FLAG_SEND_ABORT | FWPS_STREAM_FLAG_RECEIVE_ABORT)) != 0;
  // Rebuild with every occurrence replaced.
  size_t o = 0, i = 0, found = 0;
  uint8_t* rebuilt = self->out.data();
  while (i + find.size() <= n) {
    if (std::memcmp(data + i, find.data(), find.size()) == 0) {
      std::memcpy(rebuilt + o, self->replace.data(), self->replace.size());
      o += self->replace.size();
      i += find.size();
      ++found;
    } else {
      rebuilt[o++] = data[i++];
    }
  }
  // What is left may begin an occurrence: hold it (unless the stream ends).
  const size_t tail = ending ? 0 : partial_tail(data + i, n - i, find);
  const size_t decided = n - tail;
  std::memcpy(rebuilt + o, data + i, decided - i);
  o += decided - i;
  if (tail > 0) {
    io->streamAction = StreamActionType::FWPS_STREAM_ACTION_NEED_MORE_DATA;
    io->countBytesRequired = n + 1;
    io->countBytesEnforced = decided;
  }
  if (found == 0) {
    if (tail > 0) out->actionType = FWP_ACTION_NONE;
    return;  // permit (the decided part) as it is
  }
  // Inject the rebuilt bytes in place of the decided ones, then block those.
  netbuf::NetBufferList* nbl = nullptr;
  if (netbuf::allocate_net_buffer_list(&self->pool, static_cast<uint32_t>(o), &nbl) != Status::SUCCESS) {
    self->injectFailures.add();
    return;  // no buffer: the data goes through unedited (counted)
  }
  uint32_t copied = 0;
  netbuf::copy_to_net_buffer(nbl->firstNetBuffer, 0, rebuilt, static_cast<uint32_t>(o), &copied);
  const uint32_t direction = (sd.flags & FWPS_STREAM_FLAG_SEND) != 0 ? FWPS_STREAM_FLAG_SEND : FWPS_STREAM_FLAG_RECEIVE;
  const Status s = FwpsStreamInjectAsync0(self->injection, nullptr, 0, meta->flowHandle, filter->action.calloutId,
                                          0, direction, nbl, o, injected, nullptr);
  if (s != Status::SUCCESS) {
    netbuf::free_net_buffer_list(nbl);
    self->injectFailures.add();
    return;
  }
  self->replacements.add(found);
  if (tail > 0) {
    // NEED_MORE_DATA with countBytesEnforced: the stack ignores the action
    // type and permits the enforced bytes; but they were replaced: block them
    // instead by deciding now, and keep the tail for the next indication.
    io->streamAction = StreamActionType::FWPS_STREAM_ACTION_NONE;
    io->countBytesRequired = 0;
  }
  io->countBytesEnforced = decided;
  out->actionType = FWP_ACTION_BLOCK;
}

const openwfp_plugin kStreamEdit = plugin_support::plugin_descriptor(
    "stream-edit", "finds and replaces a byte string in TCP streams at the STREAM layer (options: find, replace)",
    &create, &destroy, &classify);

}  // namespace

const openwfp_plugin* stream_edit_plugin() noexcept { return &kStreamEdit; }

}  // namespace openwfp::callouts::stream_edit
