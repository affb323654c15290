// SharedObject: a Kubernetes object a cycle reads without copying it, shared with the
// informer's cache (kube::ObjectPtr). A cycle's pods were deep copies of the cached JSON, 10,000
// of them per cycle on a full 10,000-node cluster.
//
// Converts to const nlohmann::json&, so `for (const json& p : objects.pods)` reads it as
// before; a plain json value (tests, lists fetched once) is moved into a shared one.
//
// Thread-safety: immutable.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

namespace fairway::controllers {

class SharedObject {
 public:
  SharedObject(std::shared_ptr<const nlohmann::json> object)  // NOLINT: pointers convert
      : object_(std::move(object)) {}
  SharedObject(nlohmann::json object)  // NOLINT(google-explicit-constructor): values convert
      : object_(std::make_shared<const nlohmann::json>(std::move(object))) {}

  operator const nlohmann::json&() const { return *object_; }  // NOLINT: reads convert
  const nlohmann::json& operator*() const { return *object_; }
  const nlohmann::json* operator->() const { return object_.get(); }

 private:
  std::shared_ptr<const nlohmann::json> object_;
};

}  // namespace fairway::controllers
