// The DeleteOptions body of a DELETE or deletecollection request as JSON text, whatever encoding
// the client chose. Typed client-go clients send it as Kubernetes protobuf (helm does when it
// deletes its release Secrets on `helm uninstall`): the magic "k8s\0", then a runtime.Unknown
// whose typeMeta names DeleteOptions in the client's group version ("v1" for core) and whose raw
// bytes are a meta/v1 DeleteOptions message (empty when every option is unset). Both forms
// reach ParseDeleteOptions and the AdmissionReview's options as the same JSON.
//
// Thread-safety: a pure function.
#pragma once

#include <string>

#include "sandbox/api_error.h"
#include "sandbox/http_types.h"

namespace fairway::sandbox::internal {

// JSON and YAML bodies are returned as sent (ParseDeleteOptions judges them); a protobuf body is
// decoded to {"apiVersion":"meta.k8s.io/v1","kind":"DeleteOptions",...}. A malformed protobuf
// body, or one that names another kind, is a 400.
Result<std::string> DeleteOptionsBody(const HttpRequest& req);

}  // namespace fairway::sandbox::internal
