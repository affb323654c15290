#include "sandbox/internal/delete_options_body.h"

#include <nlohmann/json.hpp>

#include "sandbox/internal/protobuf.h"

namespace fairway::sandbox::internal {

Result<std::string> DeleteOptionsBody(const HttpRequest& req) {
  if (req.body.empty() || !protobuf::IsProtobufContentType(req.Header("content-type"))) {
    return req.body;
  }
  SANDBOX_ASSIGN_OR_RETURN(protobuf::Envelope env, protobuf::DecodeEnvelope(req.body));
  // DeleteOptions is registered in every group version, so the envelope's apiVersion is the
  // client's ("v1", "apps/v1", ...); only the kind tells what the raw message is.
  if (!env.kind.empty() && env.kind != "DeleteOptions") {
    return BadRequest("the body of a delete request must be DeleteOptions, not " + env.kind);
  }
  if (!env.content_encoding.empty()) {
    return UnsupportedMediaType("unsupported protobuf contentEncoding \"" + env.content_encoding +
                                "\"");
  }
  SANDBOX_ASSIGN_OR_RETURN(nlohmann::json options,
                           protobuf::DecodeRaw(env.raw, "meta.k8s.io/v1", "DeleteOptions"));
  return options.dump();
}

}  // namespace fairway::sandbox::internal
