// Field ownership (metadata.managedFields) as kube-apiserver keeps it for server-side apply.
//
// Every write records which manager set which fields, one entry per (manager, operation,
// subresource), in the FieldsV1 format:
//   {"manager":"team-a","operation":"Apply","apiVersion":"fairway.dev/v1alpha1",
//    "time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1",
//    "fieldsV1":{"f:spec":{"f:timeLimit":{}},"f:metadata":{"f:labels":{"f:app":{}}}}}
// Fields are "f:<name>" for object keys and "k:{\"name\":\"c\"}" for the items of lists whose
// items all carry a string "name" (containers, env, ports: upstream's usual merge key, the item
// itself marked "."); every other list is atomic (one field), as in a CRD without
// x-kubernetes-list-type.
//
// - Update (create, PUT, merge/JSON/strategic patch): the writer takes the fields whose value it
//   changed or added, from whoever owned them; removed fields leave every set.
// - Apply (PATCH application/apply-patch+yaml): the applied configuration's fields are compared
//   with the other managers' sets. A field another manager owns whose applied value differs from
//   the live one is a conflict: 409 "Apply failed with 1 conflict: conflict with \"team-a\":
//   .spec.timeLimit" (a FieldManagerConflict cause each), unless force=true (kubectl
//   --force-conflicts), which moves those fields to the applier. Equal values are shared.
//   Fields the applier applied before and no longer applies are removed from the object unless
//   another manager owns them too.
// Server-owned metadata (name, uid, resourceVersion, ...) and apiVersion/kind are nobody's;
// with a status subresource the main resource's entries hold no status fields and the status
// subresource's entries only those.
//
// Cost: every write records ownership, so an Update walks only the members that differ from the
// stored object and edits the stored FieldsV1 trees in place (internal/fields_v1.h); only a
// client-written managedFields list or an apply is checked against the whole object.
//
// Thread-safety: pure functions over values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "sandbox/api_error.h"

namespace fairway::sandbox {

// Who writes and how: one managedFields entry.
struct FieldManager {
  std::string manager;  // ?fieldManager, else the User-Agent's product
  bool apply = false;   // operation Apply (server-side apply), else Update
  std::string subresource;
  std::string api_version;  // of the request ("fairway.dev/v1alpha1")
  // Whether the resource has a status subresource (status fields then belong to it).
  bool status_subresource = false;
};

// The manager upstream records when a request names none: the User-Agent up to its first '/'.
std::string DefaultFieldManager(const std::string& user_agent);

// Records an Update (or a create, with `previous` null) by `who` in next's managedFields.
void RecordUpdate(const nlohmann::json* previous, nlohmann::json* next, const FieldManager& who,
                  WallTime now);

// Server-side apply of `applied` (the request body) by `who` on `current`: `merged` is current
// with the applied configuration merged in. Returns `merged` with the applier's stale fields
// removed and managedFields updated, or the 409 listing the conflicts (`force`: none).
Result<nlohmann::json> ApplyOwnership(const nlohmann::json& current, nlohmann::json merged,
                                      const nlohmann::json& applied, const FieldManager& who,
                                      bool force, WallTime now);

// The managedFields of an object server-side apply creates from `applied`.
void RecordApplyCreate(const nlohmann::json& applied, nlohmann::json* created,
                       const FieldManager& who, WallTime now);

}  // namespace fairway::sandbox
