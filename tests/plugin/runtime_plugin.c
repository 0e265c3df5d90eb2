/* A callout plugin written in C that uses the host's run-time functions, the
 * way a WFP callout driver uses fwpsk.h: proof that a C plugin can do what
 * the C++ sample callouts do. Options: { "report": "PATH" }.
 *
 *   ALE_FLOW_ESTABLISHED_V4/V6  associates a flow context (a record of the
 *                               flow's local port) for its STREAM callout
 *   STREAM_V4/V6                counts each direction's bytes into the
 *                               record and keeps the first bytes sent
 *   INBOUND_TRANSPORT_V4/V6     absorbs every packet and re-injects a clone
 *                               of it (from the IP header) from a DPC
 *   flowDeleteFn                marks the record deleted
 *
 * destroy() writes one line per record to the report:
 *   port=P in=N out=N first=TEXT deleted=0|1
 * and a last line: reinjected=N failed=N associate_errors=N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openwfp/plugin.h"

#define MAX_FLOWS 64
#define FIRST_BYTES 15
#define MAX_PENDING 256

struct flow_record {
  int used;
  int deleted;
  uint16_t localPort;
  uint64_t bytesIn;
  uint64_t bytesOut;
  char first[FIRST_BYTES + 1];
};

struct reinjection {
  struct runtime_instance* owner;
  struct openwfp_net_buffer_list* clone;
  uint16_t addressFamily;
  uint32_t compartmentId;
  int busy;
};

struct runtime_instance {
  char report[512];
  uint16_t flowEstablished[2]; /* V4, V6 */
  uint16_t stream[2];
  uint16_t inboundTransport[2];
  uint16_t localPortIndex[2]; /* IP_LOCAL_PORT in ALE_FLOW_ESTABLISHED_V4/V6 */
  void* injection;
  struct openwfp_net_buffer_list_pool* pool;
  struct flow_record flows[MAX_FLOWS];
  struct reinjection pending[MAX_PENDING];
  unsigned reinjected;
  unsigned failed;
  unsigned associateErrors;
};

static const struct openwfp_plugin_host* g_host = NULL;


static openwfp_status runtime_create(const struct openwfp_plugin_host* host, const char* instanceName,
                                     const char* optionsJson, void** instance, char* error, size_t errorSize) {
  struct runtime_instance* self;
  openwfp_status s = OPENWFP_STATUS_SUCCESS;
  (void)instanceName;
  g_host = host;
  if (!OPENWFP_PLUGIN_HOST_HAS(host, copy_to_net_buffer)) {
    snprintf(error, errorSize, "the host has no run-time functions");
    return OPENWFP_STATUS_NOT_SUPPORTED;
  }
  self = (struct runtime_instance*)calloc(1, sizeof *self);
  if (self == NULL) return OPENWFP_STATUS_NO_MEMORY;
  if (host->get_option(optionsJson, "report", self->report, sizeof self->report) != OPENWFP_STATUS_SUCCESS) {
    snprintf(error, errorSize, "missing \"report\" (a file path)");
    free(self);
    return OPENWFP_STATUS_INVALID_PARAMETER;
  }
  if (s == OPENWFP_STATUS_SUCCESS) s = host->layer_id("ALE_FLOW_ESTABLISHED_V4", &self->flowEstablished[0]);
  if (s == OPENWFP_STATUS_SUCCESS) s = host->layer_id("ALE_FLOW_ESTABLISHED_V6", &self->flowEstablished[1]);
  if (s == OPENWFP_STATUS_SUCCESS) s = host->layer_id("STREAM_V4", &self->stream[0]);
  if (s == OPENWFP_STATUS_SUCCESS) s = host->layer_id("STREAM_V6", &self->stream[1]);
  if (s == OPENWFP_STATUS_SUCCESS) s = host->layer_id("INBOUND_TRANSPORT_V4", &self->inboundTransport[0]);
  if (s == OPENWFP_STATUS_SUCCESS) s = host->layer_id("INBOUND_TRANSPORT_V6", &self->inboundTransport[1]);
  if (s == OPENWFP_STATUS_SUCCESS) s = host->field_index(self->flowEstablished[0], "IP_LOCAL_PORT", &self->localPortIndex[0]);
  if (s == OPENWFP_STATUS_SUCCESS) s = host->field_index(self->flowEstablished[1], "IP_LOCAL_PORT", &self->localPortIndex[1]);
  if (s == OPENWFP_STATUS_SUCCESS) s = host->injection_handle_create(0u, OPENWFP_FWPS_INJECTION_TYPE_TRANSPORT, &self->injection);
  if (s == OPENWFP_STATUS_SUCCESS) {
    /* Clones need lists and NetBuffers only: a small data size will do. */
    self->pool = host->net_buffer_list_pool_create(MAX_PENDING, 64u, 0u);
    if (self->pool == NULL) s = OPENWFP_STATUS_NO_MEMORY;
  }
  if (s != OPENWFP_STATUS_SUCCESS) {
    snprintf(error, errorSize, "set-up failed: status 0x%08x", (unsigned)s);
    if (self->injection != NULL) host->injection_handle_destroy(self->injection);
    free(self);
    return s;
  }
  *instance = self;
  return OPENWFP_STATUS_SUCCESS;
}

static void runtime_destroy(void* instance) {
  struct runtime_instance* self = (struct runtime_instance*)instance;
  FILE* out = fopen(self->report, "w");
  int i;
  if (out != NULL) {
    for (i = 0; i < MAX_FLOWS; ++i) {
      const struct flow_record* r = &self->flows[i];
      if (!r->used) continue;
      fprintf(out, "port=%u in=%llu out=%llu first=%s deleted=%d\n", (unsigned)r->localPort,
              (unsigned long long)r->bytesIn, (unsigned long long)r->bytesOut, r->first, r->deleted);
    }
    fprintf(out, "reinjected=%u failed=%u associate_errors=%u\n", self->reinjected, self->failed,
            self->associateErrors);
    fclose(out);
  }
  g_host->injection_handle_destroy(self->injection);
  g_host->net_buffer_list_pool_destroy(self->pool);
  free(self);
}

static int version_of(const uint16_t pair[2], uint16_t layerId) {
  if (layerId == pair[0]) return 0;
  if (layerId == pair[1]) return 1;
  return -1;
}

static void flow_established(struct runtime_instance* self, int v6, const struct openwfp_incoming_values* values,
                             const struct openwfp_incoming_metadata* meta) {
  uint32_t streamCallout;
  int i;
  openwfp_status s;
  if ((meta->currentMetadataValues & OPENWFP_FWPS_METADATA_FIELD_FLOW_HANDLE) == 0) return;
  streamCallout = g_host->callout_id_for_layer(self, self->stream[v6]);
  if (streamCallout == 0) return; /* the policy does not use us at STREAM */
  for (i = 0; i < MAX_FLOWS && self->flows[i].used; ++i) {
  }
  if (i == MAX_FLOWS) {
    ++self->associateErrors;
    return;
  }
  s = g_host->flow_associate_context(meta->flowHandle, self->stream[v6], streamCallout, (uint64_t)(i + 1));
  if (s != OPENWFP_STATUS_SUCCESS) {
    ++self->associateErrors;
    return;
  }
  self->flows[i].used = 1;
  self->flows[i].localPort = values->incomingValue[self->localPortIndex[v6]].value.u.uint16;
}

static void stream(struct flow_record* record, const struct openwfp_stream_callout_io_packet* io) {
  const struct openwfp_stream_data* data = io->streamData;
  if (data == NULL) return;
  if ((data->flags & OPENWFP_FWPS_STREAM_FLAG_SEND) != 0) {
    if (record->bytesOut == 0 && data->dataLength > 0) {
      size_t copied = 0;
      size_t want = data->dataLength < FIRST_BYTES ? data->dataLength : FIRST_BYTES;
      g_host->copy_stream_data_to_buffer(data, record->first, want, &copied);
      record->first[copied] = '\0';
    }
    record->bytesOut += data->dataLength;
  } else {
    record->bytesIn += data->dataLength;
  }
}

static void inject_complete(void* context, struct openwfp_net_buffer_list* netBufferList, bool dispatchLevel) {
  struct reinjection* p = (struct reinjection*)context;
  (void)dispatchLevel;
  if (netBufferList->status == OPENWFP_STATUS_SUCCESS) {
    ++p->owner->reinjected;
  } else {
    ++p->owner->failed;
  }
  g_host->free_clone_net_buffer_list(p->clone, 0u);
  p->busy = 0;
}

static void reinject(void* context, void* argument1, void* argument2) {
  struct reinjection* p = (struct reinjection*)context;
  openwfp_status s;
  (void)argument1;
  (void)argument2;
  s = g_host->inject_transport_receive(p->owner->injection, NULL, NULL, 0u, p->addressFamily, p->compartmentId, 0u,
                                       0u, p->clone, inject_complete, p);
  if (s != OPENWFP_STATUS_SUCCESS) { /* a failed call leaves the list ours */
    ++p->owner->failed;
    g_host->free_clone_net_buffer_list(p->clone, 0u);
    p->busy = 0;
  }
}

static void inbound_transport(struct runtime_instance* self, int v6, const struct openwfp_incoming_metadata* meta,
                              struct openwfp_net_buffer_list* nbl, struct openwfp_classify_out* out) {
  uint32_t headers = meta->ipHeaderSize + meta->transportHeaderSize;
  uint32_t state;
  struct reinjection* p = NULL;
  int i;
  out->actionType = OPENWFP_FWP_ACTION_PERMIT;
  if (nbl == NULL) return;
  state = g_host->query_packet_injection_state(self->injection, nbl, NULL);
  if (state == OPENWFP_FWPS_PACKET_INJECTED_BY_SELF || state == OPENWFP_FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF) return;
  for (i = 0; i < MAX_PENDING; ++i) {
    if (!self->pending[i].busy) {
      p = &self->pending[i];
      break;
    }
  }
  if (p == NULL) return; /* permitted uninspected */
  /* Transport receive takes the packet from its IP header, before the layer data. */
  if (g_host->retreat_net_buffer_list_data_start(nbl, headers, 0u) != OPENWFP_STATUS_SUCCESS) return;
  if (g_host->allocate_clone_net_buffer_list(nbl, self->pool, 0u, &p->clone) != OPENWFP_STATUS_SUCCESS) p->clone = NULL;
  g_host->advance_net_buffer_list_data_start(nbl, headers, false);
  if (p->clone == NULL) return;
  p->owner = self;
  p->addressFamily = (uint16_t)(v6 ? OPENWFP_AF_INET6 : OPENWFP_AF_INET);
  p->compartmentId = meta->compartmentId;
  p->busy = 1;
  /* A TCP packet may not be injected from the transport classifyFn itself (C6). */
  if (!g_host->queue_dpc(reinject, p, NULL, NULL)) {
    g_host->free_clone_net_buffer_list(p->clone, 0u);
    p->busy = 0;
    return;
  }
  out->actionType = OPENWFP_FWP_ACTION_BLOCK;
  out->flags |= OPENWFP_FWPS_CLASSIFY_OUT_FLAG_ABSORB;
}

static void runtime_classify(const struct openwfp_incoming_values* inFixedValues,
                             const struct openwfp_incoming_metadata* inMetaValues, void* layerData,
                             const void* classifyContext, const struct openwfp_filter* filter, uint64_t flowContext,
                             struct openwfp_classify_out* classifyOut) {
  struct runtime_instance* self = (struct runtime_instance*)g_host->instance_for_callout(filter->action.calloutId);
  int v;
  (void)classifyContext;
  if (self == NULL || (classifyOut->rights & OPENWFP_FWPS_RIGHT_ACTION_WRITE) == 0) return;
  if ((v = version_of(self->flowEstablished, inFixedValues->layerId)) >= 0) {
    flow_established(self, v, inFixedValues, inMetaValues);
  } else if (version_of(self->stream, inFixedValues->layerId) >= 0) {
    if (flowContext >= 1 && flowContext <= MAX_FLOWS) {
      stream(&self->flows[flowContext - 1], (const struct openwfp_stream_callout_io_packet*)layerData);
    }
  } else if ((v = version_of(self->inboundTransport, inFixedValues->layerId)) >= 0) {
    inbound_transport(self, v, inMetaValues, (struct openwfp_net_buffer_list*)layerData, classifyOut);
  }
}

static openwfp_status runtime_notify(uint32_t notifyType, const struct openwfp_guid* filterKey,
                                     struct openwfp_filter* filter) {
  (void)notifyType;
  (void)filterKey;
  (void)filter;
  return OPENWFP_STATUS_SUCCESS;
}

static void runtime_flow_delete(uint16_t layerId, uint32_t calloutId, uint64_t flowContext) {
  struct runtime_instance* self = (struct runtime_instance*)g_host->instance_for_callout(calloutId);
  (void)layerId;
  if (self != NULL && flowContext >= 1 && flowContext <= MAX_FLOWS) self->flows[flowContext - 1].deleted = 1;
}

static const struct openwfp_plugin g_plugin = {
    OPENWFP_PLUGIN_ABI_VERSION,
    (uint32_t)sizeof(struct openwfp_plugin),
    "c-runtime",
    "flow contexts, stream data and re-injection from C",
    runtime_create,
    runtime_destroy,
    0,
    runtime_classify,
    runtime_notify,
    runtime_flow_delete,
};

OPENWFP_PLUGIN_EXPORT const struct openwfp_plugin* openwfp_plugin_entry(uint32_t hostAbiVersion,
                                                                        const struct openwfp_plugin_host* host) {
  (void)hostAbiVersion;
  g_host = host;
  return &g_plugin;
}
