#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

namespace hwb {

// The plain container module `name` under `parent`, created on first use. Nested containers give
// the documented checkpoint names ("peft.hypernet.encoder.3.feed_forward.down.weight") without a
// class per level, and named_parameters(), to() and train() reach through them as usual.
inline std::shared_ptr<torch::nn::Module> module_node(torch::nn::Module& parent,
                                                      const std::string& name) {
  for (const auto& child : parent.named_children()) {
    if (child.key() == name) return child.value();
  }
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

inline std::shared_ptr<torch::nn::Module> module_node(torch::nn::Module& parent,
                                                      const std::vector<std::string>& path) {
  torch::nn::Module* node = &parent;
  std::shared_ptr<torch::nn::Module> current;
  for (const auto& name : path) {
    current = module_node(*node, name);
    node = current.get();
  }
  return current;
}

}  // namespace hwb
