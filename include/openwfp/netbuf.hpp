// Packet buffers in NDIS's NET_BUFFER_LIST model: a NetBufferList is a list
// of packets (NetBuffer), each packet a chain of memory segments (Mdl) with a
// data offset that is retreated to expose a header already parsed past and
// advanced to hide it again. Clones share data with their parent; deep clones
// copy it; the engine reference-counts what callouts keep. Every function
// names the NDIS/FWPS routine it behaves like, and returns its errors as a
// Status (the NTSTATUS values NDIS and WFP use).
//
// Words as NDIS uses them: in a NetBuffer, the first `dataOffset` bytes of the
// MDL chain are the "unused data space" (backfill, headroom) and the
// `dataLength` bytes after them are the "used data space" (the packet).
// Retreating moves bytes from the first to the second; advancing moves them
// back.
//
// Memory: a NetBufferListPool preallocates every list, buffer, MDL and data
// block at construction. Allocating and freeing never call malloc; when a
// pool runs out the call fails with INSUFFICIENT_RESOURCES and the pool
// counts it.
//
// Threads: pool allocation and freeing are lock-free and safe from any thread
// (a list referenced by a callout may be freed on another thread than the one
// that allocated it). Reference counts are atomic. Everything else that
// changes a NetBuffer or a NetBufferList (retreat, advance, copies into it,
// linking) is for the one thread that currently owns it, as in NDIS.
//
// The structures are standard-layout with C-representable members (counts are
// plain int32_t updated through std::atomic_ref, as NDIS updates LONGs with
// Interlocked operations), so a C header can map NET_BUFFER_LIST, NET_BUFFER
// and MDL onto them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>

#include "openwfp/status.hpp"

namespace openwfp::netbuf {

class NetBufferListPool;

// MEMORY_ALLOCATION_ALIGNMENT on 64-bit Windows: NET_BUFFER_LIST context
// sizes must be multiples of it.
inline constexpr uint32_t kMemoryAllocationAlignment = 16;

// Mdl::mdlFlags bits (bookkeeping of the pool; callers leave them 0 on MDLs
// they build themselves).
inline constexpr uint16_t kMdlOwnsDataBlock = 0x0001;         // the pool data block under it returns with it
inline constexpr uint16_t kMdlAllocatedByRetreat = 0x0002;    // prepended by a retreat; an advance may free it

// MDL: one segment of memory, `byteCount` bytes at `mappedSystemVa`.
// (Windows: MDL, with MmGetSystemAddressForMdlSafe, MmGetMdlByteCount, Next.)
struct Mdl {
  Mdl* next = nullptr;
  uint8_t* mappedSystemVa = nullptr;
  uint32_t byteCount = 0;
  uint16_t mdlFlags = 0;
  uint16_t reserved = 0;
};

// NET_BUFFER: one packet. Same members and meaning as NDIS's NET_BUFFER_DATA:
//   mdlChain          the chain of segments holding the packet
//   dataOffset        bytes of unused data space from the start of the chain
//   dataLength        bytes of used data space (the packet) after them
//   currentMdl        the MDL holding the first byte of used data space
//   currentMdlOffset  that byte's offset inside currentMdl
// Rule for currentMdl (also at chain boundaries): the first MDL in which
// dataOffset falls strictly inside, MDLs of zero length skipped; when the data
// starts at the very end of the chain, the last MDL with currentMdlOffset equal
// to its byteCount. Empty chain: currentMdl nullptr, offsets 0.
struct NetBuffer {
  NetBuffer* next = nullptr;
  Mdl* currentMdl = nullptr;
  uint32_t currentMdlOffset = 0;
  uint32_t dataLength = 0;
  Mdl* mdlChain = nullptr;
  uint32_t dataOffset = 0;
  NetBufferListPool* ndisPoolHandle = nullptr;  // the pool it came from; nullptr for a caller's own
  uint32_t reserved = 0;                        // used by this library during list-wide calls
};

// NET_BUFFER_LIST_CONTEXT: a per-list area protocol code may use. Used space
// grows backwards from the end: the data starts at contextData + offset and is
// size - offset bytes long.
struct NetBufferListContext {
  NetBufferListContext* next = nullptr;
  uint16_t size = 0;
  uint16_t offset = 0;
  uint8_t* contextData = nullptr;
};

// NET_BUFFER_LIST: a list of packets that travel together.
//   parentNetBufferList  for a clone, the list it was cloned from
//   childRefCount        clones of this list still alive (NDIS ChildRefCount)
//   referenceCount       references held on it (its owner's one, one per
//                        FwpsReferenceNetBufferList0, one per live clone); the
//                        list returns to its pool when this reaches 0
//   sourceHandle         a tag the current owner may set (NDIS SourceHandle)
//   nblFlags, flags      as NDIS: attribute bits (NDIS_NBL_FLAGS_*, NBL_FLAGS_*)
//   status               completion status of the last operation on it
// Read childRefCount and referenceCount with child_ref_count() and
// reference_count() when other threads may change them.
struct NetBufferList {
  NetBufferList* next = nullptr;
  NetBuffer* firstNetBuffer = nullptr;
  NetBufferListContext* context = nullptr;
  NetBufferList* parentNetBufferList = nullptr;
  NetBufferListPool* ndisPoolHandle = nullptr;
  const void* sourceHandle = nullptr;
  uint32_t nblFlags = 0;
  int32_t childRefCount = 0;
  uint32_t flags = 0;
  Status status = Status::SUCCESS;
  int32_t referenceCount = 0;
  uint32_t reserved = 0;
  // Set by the filter engine on a list it indicates after an injection:
  // which injection handle injected it and the injector's context
  // (FwpsQueryPacketInjectionState0 reads them). Not copied by clones.
  const void* injectionHandle = nullptr;
  void* injectionContext = nullptr;
};

static_assert(std::is_standard_layout_v<Mdl> && std::is_standard_layout_v<NetBuffer> &&
              std::is_standard_layout_v<NetBufferList> && std::is_standard_layout_v<NetBufferListContext>);

// ---------------------------------------------------------------------------
// MDLs and caller-built buffers

// Describes `byteCount` bytes of caller memory at `va` (IoAllocateMdl +
// MmBuildMdlForNonPagedPool, without allocating: the caller owns `mdl`).
// Clears next and mdlFlags.
void build_mdl(Mdl* mdl, void* va, uint32_t byteCount) noexcept;

// Total bytes described by a chain.
uint64_t mdl_chain_length(const Mdl* chain) noexcept;

// Sets up a caller-owned NetBuffer over a caller-owned chain (what
// NdisAllocateNetBuffer does, minus the allocation): next and the pool handle
// are cleared. Errors: INVALID_PARAMETER if nb is null or
// dataOffset + dataLength exceeds the chain.
Status initialize_net_buffer(NetBuffer* nb, Mdl* mdlChain, uint32_t dataOffset, uint32_t dataLength) noexcept;

// NdisAdjustNetBufferCurrentMdl: recomputes currentMdl and currentMdlOffset
// from dataOffset. Errors: INVALID_PARAMETER if nb is null or dataOffset lies
// beyond the chain (nothing changed).
Status adjust_net_buffer_current_mdl(NetBuffer* nb) noexcept;

// Whether nb holds together: dataOffset + dataLength within the chain and
// currentMdl/currentMdlOffset where the rule above puts them. SUCCESS, or
// INVALID_PARAMETER naming nothing more (for tests and the verifier).
Status check_net_buffer(const NetBuffer* nb) noexcept;

// ---------------------------------------------------------------------------
// Retreat and advance

// NdisRetreatNetBufferDataStart: adds `dataOffsetDelta` bytes of used data
// space before the current data start. When dataOffset >= dataOffsetDelta the
// unused data space is used (dataOffset shrinks, dataLength grows, nothing is
// allocated; the bytes exposed are whatever the buffer held there, e.g. a
// header parsed past). Otherwise, as NDIS, a new MDL is taken from nb's pool
// and chained at the head of the chain: it holds the missing
// (dataOffsetDelta - dataOffset) bytes plus `dataBackFill` bytes of new unused
// space in front of them (the old unused space becomes used data, so the
// chain stays one run of bytes and an advance by the same delta returns to
// the same place). The content of newly exposed bytes is unspecified.
// Errors (nb unchanged):
//   INVALID_PARAMETER       nb null; dataLength + dataOffsetDelta overflows; or
//                           the new MDL would need more than one data block
//                           of nb's pool (shortfall + dataBackFill > block size)
//   INSUFFICIENT_RESOURCES  a new MDL is needed and nb has no pool, or the pool
//                           has no MDL or data block left (counted)
Status retreat_net_buffer_data_start(NetBuffer* nb, uint32_t dataOffsetDelta, uint32_t dataBackFill) noexcept;

// NdisAdvanceNetBufferDataStart: releases `dataOffsetDelta` bytes of used data
// space at the start (dataOffset grows, dataLength shrinks). With freeMdl,
// MDLs that a retreat allocated and that are now wholly unused data space are
// unchained and returned to the pool (dataOffset shrinks by their size); other
// MDLs are always kept, as NDIS frees only what its retreat allocated.
// Errors (nb unchanged): INVALID_PARAMETER if nb is null or dataOffsetDelta >
// dataLength.
Status advance_net_buffer_data_start(NetBuffer* nb, uint32_t dataOffsetDelta, bool freeMdl) noexcept;

// NdisRetreatNetBufferListDataStart / NdisAdvanceNetBufferListDataStart: the
// same for every NetBuffer of a list. All or nothing: a failing retreat undoes
// the NetBuffers already retreated; an advance checks every NetBuffer first.
// Errors: those of the per-buffer calls; INVALID_PARAMETER if nbl is null.
Status retreat_net_buffer_list_data_start(NetBufferList* nbl, uint32_t dataOffsetDelta,
                                          uint32_t dataBackFill) noexcept;
Status advance_net_buffer_list_data_start(NetBufferList* nbl, uint32_t dataOffsetDelta, bool freeMdl) noexcept;

// ---------------------------------------------------------------------------
// Reading and writing the data

// NdisGetDataBuffer: `bytesNeeded` bytes from the start of the used data space
// as one contiguous block. Returns a pointer into the buffer when they are
// contiguous in one MDL and the address satisfies the alignment (address %
// alignMultiple == alignOffset; alignMultiple a power of two, 1 = none);
// otherwise copies them into `storage` and returns storage (which must hold
// bytesNeeded bytes and satisfy the alignment itself); otherwise nullptr.
// try_get_data_buffer gives the reason as a Status:
//   INVALID_PARAMETER      nb or out null; bytesNeeded 0; alignMultiple 0 or not
//                          a power of two; alignOffset >= alignMultiple
//   BUFFER_TOO_SMALL       dataLength < bytesNeeded
//   DATATYPE_MISALIGNMENT  a copy was needed for alignment and storage does not
//                          satisfy it
//   UNSUCCESSFUL           a copy was needed and storage is null
uint8_t* get_data_buffer(NetBuffer* nb, uint32_t bytesNeeded, void* storage, uint32_t alignMultiple = 1,
                         uint32_t alignOffset = 0) noexcept;
Status try_get_data_buffer(NetBuffer* nb, uint32_t bytesNeeded, void* storage, uint32_t alignMultiple,
                           uint32_t alignOffset, uint8_t** out) noexcept;

// NdisCopyFromNetBufferToNetBuffer: copies up to bytesToCopy bytes from the
// used data of `source` (starting sourceOffset bytes into it) into
// `destination`'s chain starting destinationOffset bytes after its data start.
// It stops when the source's used data or the destination's chain (to its
// end, unused space after the data included) runs out; *bytesCopied says how
// many bytes were copied. As NDIS, destination's members are not changed (set
// dataLength yourself if the copy extended the packet). Overlapping source and
// destination bytes give unspecified results.
// Errors: INVALID_PARAMETER if a pointer is null (*bytesCopied = 0 when given).
Status copy_from_net_buffer_to_net_buffer(NetBuffer* destination, uint32_t destinationOffset, uint32_t bytesToCopy,
                                          const NetBuffer* source, uint32_t sourceOffset,
                                          uint32_t* bytesCopied) noexcept;

// Copies used data out of / into a NetBuffer (RtlCopyMdlToBuffer /
// RtlCopyBufferToMdl at the NetBuffer level): `length` bytes starting `offset`
// bytes into the used data, bounded by dataLength; *bytesCopied says how many.
// Errors: INVALID_PARAMETER if nb or bytesCopied is null, or buffer is null
// with length > 0.
Status copy_from_net_buffer(const NetBuffer* nb, uint32_t offset, void* buffer, uint32_t length,
                            uint32_t* bytesCopied) noexcept;
Status copy_to_net_buffer(NetBuffer* nb, uint32_t offset, const void* buffer, uint32_t length,
                          uint32_t* bytesCopied) noexcept;

// Where the used-data byte `offset` lies: its MDL and offset inside it, the
// MDL rule above applied. False (outputs untouched) when offset >= dataLength.
bool locate_net_buffer_byte(const NetBuffer& nb, uint32_t offset, const Mdl** mdl, uint32_t* mdlOffset) noexcept;

// Calls f(const uint8_t* bytes, uint32_t count) for each contiguous piece of
// the used data from `offset`, `length` bytes at most, in order; f may return
// false to stop (or return void). Returns the bytes visited.
template <typename F>
uint32_t for_each_net_buffer_segment(const NetBuffer& nb, uint32_t offset, uint32_t length, F&& f) {
  if (offset >= nb.dataLength || length == 0) return 0;
  const Mdl* mdl = nullptr;
  uint32_t in = 0;
  if (!locate_net_buffer_byte(nb, offset, &mdl, &in)) return 0;
  uint32_t left = nb.dataLength - offset < length ? nb.dataLength - offset : length;
  uint32_t visited = 0;
  while (left > 0 && mdl != nullptr) {
    uint32_t piece = mdl->byteCount - in < left ? mdl->byteCount - in : left;
    if (piece > 0) {
      const uint8_t* p = mdl->mappedSystemVa + in;
      visited += piece;
      left -= piece;
      if constexpr (std::is_same_v<std::invoke_result_t<F, const uint8_t*, uint32_t>, bool>) {
        if (!f(p, piece)) break;
      } else {
        f(p, piece);
      }
    }
    mdl = mdl->next;
    in = 0;
  }
  return visited;
}

// The used data of a NetBuffer as a forward range of bytes, across MDLs:
//   for (uint8_t b : net_buffer_bytes(nb)) ...
class NetBufferByteIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = uint8_t;
  using difference_type = std::ptrdiff_t;
  using pointer = const uint8_t*;
  using reference = const uint8_t&;

  NetBufferByteIterator() = default;
  NetBufferByteIterator(const Mdl* mdl, uint32_t mdlOffset, uint32_t remaining) noexcept
      : mdl_(mdl), offset_(mdlOffset), remaining_(remaining) {
    settle();
  }
  reference operator*() const noexcept { return mdl_->mappedSystemVa[offset_]; }
  NetBufferByteIterator& operator++() noexcept {
    ++offset_;
    --remaining_;
    settle();
    return *this;
  }
  NetBufferByteIterator operator++(int) noexcept {
    NetBufferByteIterator old = *this;
    ++*this;
    return old;
  }
  uint32_t remaining() const noexcept { return remaining_; }
  friend bool operator==(const NetBufferByteIterator& a, const NetBufferByteIterator& b) noexcept {
    return a.remaining_ == b.remaining_;
  }

 private:
  void settle() noexcept {
    if (remaining_ == 0) {
      mdl_ = nullptr;
      offset_ = 0;
      return;
    }
    while (mdl_ != nullptr && offset_ >= mdl_->byteCount) {
      mdl_ = mdl_->next;
      offset_ = 0;
    }
    if (mdl_ == nullptr) remaining_ = 0;  // chain shorter than dataLength: stop, never read past it
  }
  const Mdl* mdl_ = nullptr;
  uint32_t offset_ = 0;
  uint32_t remaining_ = 0;
};

class NetBufferBytes {
 public:
  explicit NetBufferBytes(const NetBuffer& nb) noexcept
      : begin_(nb.currentMdl, nb.currentMdlOffset, nb.currentMdl != nullptr ? nb.dataLength : 0) {}
  NetBufferByteIterator begin() const noexcept { return begin_; }
  NetBufferByteIterator end() const noexcept { return {}; }

 private:
  NetBufferByteIterator begin_;
};
inline NetBufferBytes net_buffer_bytes(const NetBuffer& nb) noexcept { return NetBufferBytes(nb); }

// ---------------------------------------------------------------------------
// Allocation, clones, references (all lists come from a NetBufferListPool)

// NdisAllocateNetBufferList on a pool made with fAllocateNetBuffer and a
// DataSize: a list with one NetBuffer over one fresh data block of the pool.
// The block's first `headroom` bytes are unused data space (dataOffset =
// headroom), dataLength = `dataLength`, and the MDL covers the whole block (so
// the bytes after the data are room to grow). Reference count 1.
// Errors: INVALID_PARAMETER (pool or out null, dataLength > the pool's data
// size); INSUFFICIENT_RESOURCES (pool exhausted, counted). *out = nullptr on
// error.
Status allocate_net_buffer_list(NetBufferListPool* pool, uint32_t dataLength, NetBufferList** out) noexcept;

// FwpsAllocateNetBufferAndNetBufferList0: a list and one NetBuffer from the
// pool over the caller's MDL chain, nothing copied (mdlChain may be null with
// dataOffset = dataLength = 0). The caller's MDLs and memory stay the
// caller's: they are never freed by the pool and must outlive the list.
// contextSize bytes of the list's context area are reserved as used context
// space (NdisAllocateNetBufferListContext); contextBackFill is checked only.
// Errors: INVALID_PARAMETER (pool or out null; dataOffset + dataLength beyond
// the chain; contextSize or contextBackFill not a multiple of
// kMemoryAllocationAlignment); INSUFFICIENT_RESOURCES (pool exhausted, or
// contextSize larger than the pool's context area). *out = nullptr on error.
Status allocate_net_buffer_and_net_buffer_list(NetBufferListPool* pool, uint16_t contextSize,
                                               uint16_t contextBackFill, Mdl* mdlChain, uint32_t dataOffset,
                                               size_t dataLength, NetBufferList** out) noexcept;

// NdisAllocateNetBuffer: a standalone NetBuffer from the pool, over a fresh
// data block (mdlChain null: dataOffset = headroom as above) or over the
// caller's chain. Link it into a list (last->next = nb) to send it with the
// list: the list then owns it and frees it with itself. Otherwise free it
// with free_net_buffer.
// Errors: INVALID_PARAMETER (pool or out null; dataOffset + dataLength beyond
// the caller's chain, or dataLength > data size for a fresh block);
// INSUFFICIENT_RESOURCES (pool exhausted, counted).
Status allocate_net_buffer(NetBufferListPool* pool, Mdl* mdlChain, uint32_t dataOffset, uint32_t dataLength,
                           NetBuffer** out) noexcept;
// NdisAllocateMdl: a pool MDL describing `byteCount` bytes of caller memory
// at `va` (no data block; the memory stays the caller's). Chain it into a
// NetBuffer (e.g. allocate_net_buffer_and_net_buffer_list): from then on it
// belongs to that NetBuffer and returns to the pool with it. Otherwise free
// it with free_mdl.
// Errors: INVALID_PARAMETER (pool or out null, va null with byteCount > 0);
// INSUFFICIENT_RESOURCES (no MDL left, counted). *out = nullptr on error.
Status allocate_mdl(NetBufferListPool* pool, void* va, uint32_t byteCount, Mdl** out) noexcept;
// NdisFreeMdl: returns an MDL from allocate_mdl (and its data block, if a
// pool call gave it one). Errors: INVALID_PARAMETER (null, or not from `pool`).
Status free_mdl(NetBufferListPool* pool, Mdl* mdl) noexcept;

// NdisFreeNetBuffer: returns a standalone NetBuffer, its pool MDLs and data
// blocks. Errors: INVALID_PARAMETER (nb null or not from a pool).
Status free_net_buffer(NetBuffer* nb) noexcept;

// NdisFreeNetBufferList: gives up the caller's reference. The list, its
// NetBuffers, their pool MDLs and data blocks return to the pool when no
// reference is left; a list that still has clones (childRefCount > 0) or
// callout references stays alive until the last of them is gone.
// Errors: INVALID_PARAMETER (nbl null, nbl is a clone (use
// free_clone_net_buffer_list), or no reference is held on it any more).
Status free_net_buffer_list(NetBufferList* nbl) noexcept;

// FwpsAllocateCloneNetBufferList0: a new list whose NetBuffers describe the
// same bytes as the original's (new NetBuffers and MDLs from `pool`, or from
// the original's pool when pool is null; data shared, nothing copied). As
// NDIS, each NetBuffer is cloned from the start of its used data space:
// clones start with dataOffset 0 (retreat the original before cloning to
// include a header). The clone's parentNetBufferList is the original, whose
// childRefCount and referenceCount go up by one until the clone is freed:
// the original and its data cannot return to their pool before its clones.
// allocateCloneFlags must be 0.
// Errors: INVALID_PARAMETER (original or out null, original not alive, no pool,
// flags not 0); INSUFFICIENT_RESOURCES (pool exhausted, counted). *out =
// nullptr on error and nothing is held.
Status allocate_clone_net_buffer_list(NetBufferList* original, NetBufferListPool* pool,
                                      uint32_t allocateCloneFlags, NetBufferList** out) noexcept;

// FwpsFreeCloneNetBufferList0: frees a clone (gives up the clone's own
// reference; at zero its NetBuffers and MDLs return to the pool and the
// parent loses one child and one reference, which may free the parent).
// freeCloneFlags must be 0.
// Errors: INVALID_PARAMETER (null, not a clone, flags not 0, no reference left).
Status free_clone_net_buffer_list(NetBufferList* clone, uint32_t freeCloneFlags) noexcept;

// FwpsAllocateDeepCloneNetBufferList0: a new list with copies of the
// original's used data in fresh data blocks of `pool` (or the original's pool):
// independent of the original, which may be freed at once. Each copy starts
// with dataOffset = the pool's headroom; data longer than one block continues
// in further blocks chained after it.
// Errors: INVALID_PARAMETER (original or out null, no pool);
// INSUFFICIENT_RESOURCES (pool exhausted, counted). *out = nullptr on error.
Status allocate_deep_clone_net_buffer_list(const NetBufferList* original, NetBufferListPool* pool,
                                           NetBufferList** out) noexcept;

// FwpsReferenceNetBufferList0: one more reference, so that the list stays
// valid after classifyFn returns. intendToModify is accepted as WFP's (it
// only matters to WFP's own clone accounting).
// Errors: INVALID_PARAMETER (nbl null or no longer alive).
Status reference_net_buffer_list(NetBufferList* nbl, bool intendToModify) noexcept;

// FwpsDereferenceNetBufferList0: gives up a reference taken with
// reference_net_buffer_list; at zero the list returns to its pool.
// Errors: INVALID_PARAMETER (nbl null or no reference held).
Status dereference_net_buffer_list(NetBufferList* nbl, bool dispatchLevel) noexcept;

// Watching reads (for the verifier): while a watch is set on the calling
// thread, reads of `netBuffer` through try_get_data_buffer, get_data_buffer,
// copy_from_net_buffer and copy_from_net_buffer_to_net_buffer (as the
// source) that reach past `limit` (an offset from the start of its MDL
// chain) call `report` once. Reads through raw MDL pointers are not seen.
struct ReadWatch {
  const NetBuffer* netBuffer = nullptr;
  uint64_t limit = 0;
  void (*report)(void* context) = nullptr;
  void* context = nullptr;
  bool fired = false;
};
void set_read_watch(ReadWatch* watch) noexcept;  // nullptr clears it

// Atomic reads of the counts.
int32_t reference_count(const NetBufferList* nbl) noexcept;
int32_t child_ref_count(const NetBufferList* nbl) noexcept;

// NdisAllocateNetBufferListContext / NdisFreeNetBufferListContext and the
// NET_BUFFER_LIST_CONTEXT_DATA_START / _DATA_SIZE macros: the per-list
// context area (fixed capacity per pool; NDIS would allocate more, this pool
// does not). Errors: INVALID_PARAMETER (nbl null; size or backfill not a
// multiple of kMemoryAllocationAlignment; freeing more than is used);
// INSUFFICIENT_RESOURCES (not enough unused context space).
Status allocate_net_buffer_list_context(NetBufferList* nbl, uint16_t contextSize, uint16_t contextBackFill) noexcept;
Status free_net_buffer_list_context(NetBufferList* nbl, uint16_t contextSize) noexcept;
uint8_t* net_buffer_list_context_data_start(const NetBufferList* nbl) noexcept;
uint32_t net_buffer_list_context_data_size(const NetBufferList* nbl) noexcept;

// Number of NetBuffers in a list.
uint32_t net_buffer_count(const NetBufferList* nbl) noexcept;

// ---------------------------------------------------------------------------
// The owning handle

// Holds one reference on a NetBufferList and drops it when destroyed (which
// returns the list to its pool when it was the last). Move-only: passing a
// packet on (std::move) leaves the handle empty, so a packet passed on is no
// longer yours. get() gives the raw pointer for the C-style API; release()
// gives up ownership without dropping the reference.
class NetBufferListPtr {
 public:
  NetBufferListPtr() noexcept = default;
  NetBufferListPtr(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
  // Takes over a reference the caller already holds (e.g. from
  // allocate_net_buffer_list).
  static NetBufferListPtr adopt(NetBufferList* nbl) noexcept { return NetBufferListPtr(nbl); }
  // Takes a new reference (reference_net_buffer_list); empty if that fails.
  static NetBufferListPtr share(NetBufferList* nbl) noexcept;

  NetBufferListPtr(const NetBufferListPtr&) = delete;
  NetBufferListPtr& operator=(const NetBufferListPtr&) = delete;
  NetBufferListPtr(NetBufferListPtr&& other) noexcept : nbl_(std::exchange(other.nbl_, nullptr)) {}
  NetBufferListPtr& operator=(NetBufferListPtr&& other) noexcept {
    if (this != &other) reset(std::exchange(other.nbl_, nullptr));
    return *this;
  }
  ~NetBufferListPtr() { reset(); }

  NetBufferList* get() const noexcept { return nbl_; }
  NetBufferList* operator->() const noexcept { return nbl_; }
  NetBufferList& operator*() const noexcept { return *nbl_; }
  explicit operator bool() const noexcept { return nbl_ != nullptr; }
  NetBufferList* release() noexcept { return std::exchange(nbl_, nullptr); }
  // Drops the reference held (if any) and holds `nbl` instead (adopted).
  void reset(NetBufferList* nbl = nullptr) noexcept;

 private:
  explicit NetBufferListPtr(NetBufferList* nbl) noexcept : nbl_(nbl) {}
  NetBufferList* nbl_ = nullptr;
};

// ---------------------------------------------------------------------------
// Pools

struct NetBufferListPoolParameters {
  uint32_t netBufferListCount = 0;  // lists; must be > 0
  uint32_t netBufferCount = 0;      // NetBuffers; 0: one per list
  uint32_t mdlCount = 0;            // MDL descriptors; 0: two per list (one per block, one for clones/retreats)
  uint32_t dataBlockCount = 0;      // data blocks; 0: one per list
  uint32_t dataSize = 0;            // bytes of packet per block after the headroom (NDIS DataSize)
  uint32_t headroom = 0;            // unused data space at the start of each block
  uint16_t contextSize = 0;         // NET_BUFFER_LIST_CONTEXT bytes per list (multiple of 16)
};

// What a pool holds and gave out, per kind of object.
struct ResourceCounters {
  uint32_t capacity = 0;
  uint32_t inUse = 0;        // allocated now
  uint32_t peak = 0;         // most ever allocated at once
  uint64_t allocations = 0;  // successful allocations, ever
  uint64_t failures = 0;     // allocations refused because none was left
};
struct NetBufferListPoolCounters {
  ResourceCounters lists, buffers, mdls, blocks;
  uint64_t retreatAllocations = 0;  // MDLs prepended by retreats
  uint64_t clones = 0;              // clones allocated
  uint64_t deepClones = 0;          // deep clones allocated
  uint64_t invalidRequests = 0;     // calls on this pool's objects refused with INVALID_PARAMETER
};

namespace detail {
struct PoolAccess;
}

// A fixed set of lists, NetBuffers, MDLs, data blocks and context areas,
// all allocated at construction (control plane). Allocation and freeing are
// lock-free (any thread). A pool must outlive every object it gave out:
// destroy it only when counters() shows nothing in use.
class NetBufferListPool {
 public:
  // `count` lists, each with room for one packet of `bytesPerBuffer` bytes
  // after `headroom` bytes of unused data space; counts as in
  // NetBufferListPoolParameters' defaults, 64 bytes of context per list.
  // Throws std::invalid_argument for count 0 or sizes whose total overflows.
  NetBufferListPool(uint32_t count, uint32_t bytesPerBuffer, uint32_t headroom);
  explicit NetBufferListPool(const NetBufferListPoolParameters& parameters);
  ~NetBufferListPool();
  NetBufferListPool(const NetBufferListPool&) = delete;
  NetBufferListPool& operator=(const NetBufferListPool&) = delete;

  // C++ forms of the calls above; an empty handle when they fail.
  NetBufferListPtr allocate(uint32_t dataLength) noexcept;
  NetBufferListPtr allocate_over(Mdl* mdlChain, uint32_t dataOffset, uint32_t dataLength) noexcept;
  // A list, NetBuffer and MDL from the pool over `byteCount` bytes of caller
  // memory at `va`, nothing copied (allocate_mdl +
  // allocate_net_buffer_and_net_buffer_list); the MDL returns with the list,
  // the memory stays the caller's and must outlive the list.
  NetBufferListPtr allocate_over_memory(void* va, uint32_t byteCount, uint32_t dataOffset,
                                        uint32_t dataLength) noexcept;
  NetBufferListPtr clone(NetBufferList& original) noexcept;
  NetBufferListPtr deep_clone(const NetBufferList& original) noexcept;

  NetBufferListPoolCounters counters() const noexcept;
  uint32_t headroom() const noexcept { return headroom_; }
  uint32_t data_size() const noexcept { return dataSize_; }
  uint32_t block_size() const noexcept { return headroom_ + dataSize_; }
  uint16_t context_size() const noexcept { return contextSize_; }

 private:
  friend struct detail::PoolAccess;
  struct Storage;
  std::unique_ptr<Storage> storage_;
  uint32_t headroom_ = 0;
  uint32_t dataSize_ = 0;
  uint16_t contextSize_ = 0;
};

}  // namespace openwfp::netbuf
