// Reading and writing the bytes of a NetBuffer across its MDLs:
// NdisGetDataBuffer (contiguous pointer or a copy), NdisCopyFromNetBufferToNetBuffer,
// and copies between a NetBuffer's used data and flat memory.
#include <cstring>

#include "netbuf/chain.hpp"
#include "netbuf/pool_access.hpp"

namespace openwfp::netbuf {

using detail::ChainCursor;
using detail::PoolAccess;

namespace {

thread_local ReadWatch* t_watch = nullptr;

void watch_read(const NetBuffer* nb, uint32_t offset, uint32_t length) noexcept {
  ReadWatch* w = t_watch;
  if (w == nullptr || w->fired || nb != w->netBuffer || length == 0) return;
  if (uint64_t{nb->dataOffset} + offset + length > w->limit) {
    w->fired = true;
    if (w->report != nullptr) w->report(w->context);
  }
}

bool aligned(const void* p, uint32_t multiple, uint32_t offset) noexcept {
  return (reinterpret_cast<uintptr_t>(p) & (multiple - 1)) == offset;
}

}  // namespace

void set_read_watch(ReadWatch* watch) noexcept { t_watch = watch; }

Status try_get_data_buffer(NetBuffer* nb, uint32_t bytesNeeded, void* storage, uint32_t alignMultiple,
                           uint32_t alignOffset, uint8_t** out) noexcept {
  if (out != nullptr) *out = nullptr;
  if (nb == nullptr || out == nullptr) return Status::INVALID_PARAMETER;
  if (bytesNeeded == 0 || alignMultiple == 0 || (alignMultiple & (alignMultiple - 1)) != 0 ||
      alignOffset >= alignMultiple) {
    return PoolAccess::invalid(nb->ndisPoolHandle);
  }
  if (nb->dataLength < bytesNeeded) return Status::BUFFER_TOO_SMALL;
  watch_read(nb, 0, bytesNeeded);
  ChainCursor c = detail::data_cursor(*nb);
  if (c.contiguous() >= bytesNeeded && aligned(c.here(), alignMultiple, alignOffset)) {
    *out = c.here();
    return Status::SUCCESS;
  }
  if (storage == nullptr) return Status::UNSUCCESSFUL;
  if (!aligned(storage, alignMultiple, alignOffset)) return Status::DATATYPE_MISALIGNMENT;
  uint32_t copied = 0;
  (void)copy_from_net_buffer(nb, 0, storage, bytesNeeded, &copied);
  if (copied != bytesNeeded) return Status::BUFFER_TOO_SMALL;  // a chain shorter than its dataLength
  *out = static_cast<uint8_t*>(storage);
  return Status::SUCCESS;
}

uint8_t* get_data_buffer(NetBuffer* nb, uint32_t bytesNeeded, void* storage, uint32_t alignMultiple,
                         uint32_t alignOffset) noexcept {
  uint8_t* p = nullptr;
  (void)try_get_data_buffer(nb, bytesNeeded, storage, alignMultiple, alignOffset, &p);
  return p;
}

Status copy_from_net_buffer_to_net_buffer(NetBuffer* destination, uint32_t destinationOffset, uint32_t bytesToCopy,
                                          const NetBuffer* source, uint32_t sourceOffset,
                                          uint32_t* bytesCopied) noexcept {
  if (bytesCopied != nullptr) *bytesCopied = 0;
  if (destination == nullptr || source == nullptr || bytesCopied == nullptr) return Status::INVALID_PARAMETER;
  if (sourceOffset >= source->dataLength || bytesToCopy == 0) return Status::SUCCESS;
  uint32_t left = source->dataLength - sourceOffset < bytesToCopy ? source->dataLength - sourceOffset : bytesToCopy;
  watch_read(source, sourceOffset, left);
  ChainCursor from = detail::data_cursor(*source);
  ChainCursor to = detail::data_cursor(*destination);
  if (!from.skip(sourceOffset) || !to.skip(destinationOffset)) return Status::SUCCESS;
  uint32_t done = 0;
  while (left > 0) {
    const uint32_t a = from.contiguous();
    const uint32_t b = to.contiguous();
    if (a == 0 || b == 0) break;
    uint32_t n = a < b ? a : b;
    if (n > left) n = left;
    std::memmove(to.here(), from.here(), n);
    from.offset += n;
    to.offset += n;
    left -= n;
    done += n;
  }
  *bytesCopied = done;
  return Status::SUCCESS;
}

Status copy_from_net_buffer(const NetBuffer* nb, uint32_t offset, void* buffer, uint32_t length,
                            uint32_t* bytesCopied) noexcept {
  if (bytesCopied != nullptr) *bytesCopied = 0;
  if (nb == nullptr || bytesCopied == nullptr || (buffer == nullptr && length > 0)) return Status::INVALID_PARAMETER;
  auto* out = static_cast<uint8_t*>(buffer);
  if (offset < nb->dataLength) watch_read(nb, offset, nb->dataLength - offset < length ? nb->dataLength - offset : length);
  *bytesCopied = for_each_net_buffer_segment(*nb, offset, length, [&out](const uint8_t* p, uint32_t n) {
    std::memcpy(out, p, n);
    out += n;
  });
  return Status::SUCCESS;
}

Status copy_to_net_buffer(NetBuffer* nb, uint32_t offset, const void* buffer, uint32_t length,
                          uint32_t* bytesCopied) noexcept {
  if (bytesCopied != nullptr) *bytesCopied = 0;
  if (nb == nullptr || bytesCopied == nullptr || (buffer == nullptr && length > 0)) return Status::INVALID_PARAMETER;
  if (offset >= nb->dataLength) return Status::SUCCESS;
  uint32_t left = nb->dataLength - offset < length ? nb->dataLength - offset : length;
  const auto* in = static_cast<const uint8_t*>(buffer);
  ChainCursor c = detail::data_cursor(*nb);
  if (!c.skip(offset)) return Status::SUCCESS;
  uint32_t done = 0;
  while (left > 0) {
    uint32_t n = c.contiguous();
    if (n == 0) break;
    if (n > left) n = left;
    std::memcpy(c.here(), in, n);
    c.offset += n;
    in += n;
    left -= n;
    done += n;
  }
  *bytesCopied = done;
  return Status::SUCCESS;
}

}  // namespace openwfp::netbuf
