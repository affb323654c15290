// Decoding of Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf)
// into the JSON shape the sandbox stores. Typed client-go clients, and so kubectl's imperative
// commands, send protobuf: `kubectl create namespace|configmap|secret|serviceaccount|deployment|
// job|cronjob|role|rolebinding|clusterrole|clusterrolebinding|quota|priorityclass|service|pdb`,
// `kubectl auth can-i|whoami` and `kubectl drain` (Eviction). Everything else is JSON or YAML.
// Responses stay JSON: client-go accepts them since it asks for "protobuf, application/json".
//
// Layers:
//  - the protobuf wire format (varints, length-delimited fields, fixed32/64 skipping): Reader,
//    in protobuf_wire.h;
//  - the Kubernetes envelope: the magic "k8s\0" then a runtime.Unknown message
//    {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}:
//    DecodeEnvelope;
//  - per-kind schemas (field number -> JSON name and type) for the kinds those commands send,
//    following k8s.io/apimachinery meta/v1 and k8s.io/api generated.proto: DecodeObject.
//
// Only the fields those commands can send are decoded; unknown fields are skipped. gogo-protobuf
// writes non-pointer scalars even when they are zero, so zero values are dropped from the JSON
// (Go's omitempty) except for pointer fields (replicas, immutable, ...), where zero is a value.
// Malformed input is a 400 BadRequest ApiError; a kind without a schema is 415.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/api_error.h"
#include "sandbox/internal/protobuf_wire.h"

namespace fairway::sandbox::internal::protobuf {

inline constexpr std::string_view kMagic{"k8s\0", 4};
inline constexpr std::string_view kMediaType = "application/vnd.kubernetes.protobuf";

// runtime.Unknown.
struct Envelope {
  std::string api_version;
  std::string kind;
  std::string_view raw;  // the object's message bytes (a view into the body)
  std::string content_encoding;
  std::string content_type;
};

// Checks the magic and decodes the runtime.Unknown that follows.
Result<Envelope> DecodeEnvelope(std::string_view body);
// Wraps `raw` in the magic and a runtime.Unknown (the inverse of DecodeEnvelope).
std::string EncodeEnvelope(const std::string& api_version, const std::string& kind,
                           std::string_view raw);

// True when DecodeObject has a schema for apiVersion/kind.
bool IsSupported(const std::string& api_version, const std::string& kind);
// "ConfigMap (v1), Deployment (apps/v1), ..." for error messages.
std::string SupportedKinds();

// Decodes a whole request body (magic + Unknown + object) to JSON with apiVersion and kind set.
// `default_api_version`/`default_kind` are used when the envelope's TypeMeta is empty.
Result<nlohmann::json> DecodeObject(std::string_view body, const std::string& default_api_version,
                                    const std::string& default_kind);
// Decodes the raw message of apiVersion/kind (no envelope).
Result<nlohmann::json> DecodeRaw(std::string_view raw, const std::string& api_version,
                                 const std::string& kind);

// True for a Content-Type naming the Kubernetes protobuf media type.
bool IsProtobufContentType(std::string_view content_type);

}  // namespace fairway::sandbox::internal::protobuf
