// dpi-block's glue on its own: the flow context packing, the walk over an
// indication's MDLs, and the scratch pool.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dpi-block/flow_streams.hpp"
#include "dpi-block/scratch_pool.hpp"
#include "dpi-block/stream_bytes.hpp"
#include "dpi_matcher_support.hpp"
#include "openwfp/netbuf.hpp"

namespace openwfp::callouts::dpi {
namespace {

TEST(DpiFlowStreams, BothIdsSurviveTheContextValueAndZeroIsNoContext) {
  for (const FlowStreams s :
       {FlowStreams{1, 2}, FlowStreams{kMaxStreamsLimit, kMaxStreamsLimit - 1}, FlowStreams{0, 7}, FlowStreams{0, 0}}) {
    const uint64_t context = pack_flow_streams(s);
    EXPECT_NE(context, 0u);  // even "no streams" is a context: the flow is not picked up mid-stream later
    FlowStreams back{99, 99};
    ASSERT_TRUE(unpack_flow_streams(context, &back));
    EXPECT_EQ(back.send, s.send);
    EXPECT_EQ(back.receive, s.receive);
  }
  FlowStreams none;
  EXPECT_FALSE(unpack_flow_streams(0, &none));
  EXPECT_FALSE(unpack_flow_streams(0x1234, &none));  // not one of ours
}

// An indication over caller memory: one NET_BUFFER_LIST per element of
// `lists`, one NET_BUFFER per string in it, one MDL per piece of that string
// split at `mdlSize` bytes.
class Indication {
 public:
  Indication(const std::vector<std::vector<std::string>>& lists, uint32_t mdlSize) {
    nbls_.resize(lists.size());
    size_t total = 0;
    for (const auto& l : lists) total += l.size();
    nbs_.resize(total);
    size_t nbIndex = 0;
    for (size_t i = 0; i < lists.size(); ++i) {
      for (size_t j = 0; j < lists[i].size(); ++j) {
        texts_.push_back(std::make_unique<std::string>(lists[i][j]));
        std::string& text = *texts_.back();
        Mdl* first = nullptr;
        Mdl* last = nullptr;
        for (size_t at = 0; at < text.size(); at += mdlSize) {
          mdls_.push_back(std::make_unique<Mdl>());
          const auto n = static_cast<uint32_t>(std::min<size_t>(mdlSize, text.size() - at));
          netbuf::build_mdl(mdls_.back().get(), text.data() + at, n);
          (last == nullptr ? first : last->next) = mdls_.back().get();
          last = mdls_.back().get();
        }
        NetBuffer& nb = nbs_[nbIndex++];
        EXPECT_EQ(netbuf::initialize_net_buffer(&nb, first, 0, static_cast<uint32_t>(text.size())), Status::SUCCESS);
        if (j == 0) {
          nbls_[i].firstNetBuffer = &nb;
        } else {
          nbs_[nbIndex - 2].next = &nb;
        }
        data_.dataLength += text.size();
      }
      if (i > 0) nbls_[i - 1].next = &nbls_[i];
    }
    data_.netBufferListChain = nbls_.empty() ? nullptr : &nbls_[0];
  }
  StreamData& data() { return data_; }

 private:
  std::vector<std::unique_ptr<std::string>> texts_;
  std::vector<std::unique_ptr<Mdl>> mdls_;
  std::vector<NetBuffer> nbs_;
  std::vector<NetBufferList> nbls_;
  StreamData data_;
};

std::string collect(const StreamData& data, size_t* visited, size_t stopAfter = SIZE_MAX) {
  std::string seen;
  *visited = for_each_stream_piece(data, [&](const uint8_t* p, size_t n) {
    seen.append(reinterpret_cast<const char*>(p), n);
    return seen.size() < stopAfter;
  });
  return seen;
}

TEST(DpiStreamBytes, EveryPieceInOrderAcrossMdlsBuffersAndLists) {
  Indication ind({{"hello ", "wide "}, {"world"}}, 4);
  size_t visited = 0;
  EXPECT_EQ(collect(ind.data(), &visited), "hello wide world");
  EXPECT_EQ(visited, 16u);
}

TEST(DpiStreamBytes, NoMoreThanDataLengthAndStopsWhenAsked) {
  Indication ind({{"abcdefgh", "ijkl"}}, 3);
  ind.data().dataLength = 10;  // the chain holds more than is indicated
  size_t visited = 0;
  EXPECT_EQ(collect(ind.data(), &visited), "abcdefghij");
  EXPECT_EQ(visited, 10u);
  EXPECT_EQ(collect(ind.data(), &visited, 4), "abcdef");  // stops after the piece that reached 4
  EXPECT_EQ(visited, 6u);
}

TEST(DpiStreamBytes, AChainShorterThanDataLengthIsVisitedAsFarAsItGoes) {
  Indication ind({{"abc"}}, 8);
  ind.data().dataLength = 10;
  size_t visited = 0;
  EXPECT_EQ(collect(ind.data(), &visited), "abc");
  EXPECT_EQ(visited, 3u);  // the caller counts the other 7 as unscanned
  StreamData empty;
  empty.dataLength = 5;
  EXPECT_EQ(collect(empty, &visited), "");
  EXPECT_EQ(visited, 0u);
}

TEST(DpiStreamBytes, APatternSplitOverMdlsMatchesInOneScan) {
  auto m = test::make_matcher({test::literal("marker", "SPLIT-HERE")});
  ASSERT_NE(m, nullptr);
  ScratchPool scratches(*m, 1);
  ScratchPool::Lease lease(scratches);
  ASSERT_TRUE(lease);
  Indication ind({{"xxSPL", "IT-HE"}, {"RExx"}}, 2);
  const uint32_t stream = m->open_stream();
  bool matched = false;
  Match match{0, 0};
  for_each_stream_piece(ind.data(), [&](const uint8_t* p, size_t n) {
    matched = m->scan(stream, p, n, lease.scratch(), &match);
    return !matched;
  });
  EXPECT_TRUE(matched);
  EXPECT_EQ(match.endOffset, 12u);
  m->close_stream(stream, lease.scratch());
}

TEST(DpiScratchPool, LendsEachScratchToOneHolderAtATime) {
  auto m = test::make_matcher({test::literal("a", "abc")});
  ASSERT_NE(m, nullptr);
  ScratchPool pool(*m, 2);
  ASSERT_EQ(pool.size(), 2u);
  {
    ScratchPool::Lease first(pool);
    ScratchPool::Lease second(pool);
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_NE(&first.scratch(), &second.scratch());
    ScratchPool::Lease third(pool);
    EXPECT_FALSE(third);  // all lent out
  }
  ScratchPool::Lease again(pool);  // given back when the leases ended
  EXPECT_TRUE(again);
  EXPECT_GE(default_scratch_count(), 2u);
  EXPECT_LE(default_scratch_count(), 64u);
}

}  // namespace
}  // namespace openwfp::callouts::dpi
