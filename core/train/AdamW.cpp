#include "core/train/AdamW.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <cmath>
#include <map>

#include "core/util/Error.h"

// Multi-tensor AdamW with a tensor learning rate, and foreach norms and scaling: LibTorch 2.4 and
// later (Debian ships 1.13, the GPU machine 2.11); CUDA only.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define HWB_FUSED_ADAMW 1
#endif

namespace hwb {

AdamW::AdamW(std::vector<std::pair<std::string, at::Tensor>> parameters, Options options)
    : options_(options) {
  for (auto& [name, p] : parameters) {
    slots_.push_back({name, p, at::zeros_like(p, at::MemoryFormat::Preserve),
                      at::zeros_like(p, at::MemoryFormat::Preserve)});
  }
}

void AdamW::zero_grad() {
  for (Slot& s : slots_) {
    if (s.param.grad().defined()) s.param.mutable_grad() = at::Tensor();
  }
}

bool AdamW::use_fused() const {
#ifdef HWB_FUSED_ADAMW
  if (!options_.fused || slots_.empty() || !slots_.front().param.is_cuda()) return false;
  for (const Slot& s : slots_) {
    const at::Tensor& grad = s.param.grad();
    if (s.param.scalar_type() != at::kFloat) return false;
    if (grad.defined() && (grad.scalar_type() != at::kFloat || grad.device() != s.param.device() ||
                           grad.is_sparse())) {
      return false;
    }
  }
  return true;
#else
  return false;
#endif
}

at::Tensor AdamW::clip_grad_norm(double max_norm) {
#ifdef HWB_FUSED_ADAMW
  if (use_fused()) {
    std::vector<at::Tensor> grads;
    for (const Slot& s : slots_) {
      if (s.param.grad().defined()) grads.push_back(s.param.grad());
    }
    if (grads.empty()) return at::zeros({});
    const at::Tensor total = at::stack(at::_foreach_norm(grads, 2)).norm();
    if (max_norm > 0) at::_foreach_mul_(grads, at::clamp_max(max_norm / (total + 1e-6), 1.0));
    return total;
  }
#endif
  std::vector<at::Tensor> norms;
  for (const Slot& s : slots_) {
    if (s.param.grad().defined()) norms.push_back(s.param.grad().detach().to(at::kFloat).norm());
  }
  if (norms.empty()) return at::zeros({});
  const at::Tensor total = at::stack(norms).norm();
  if (max_norm > 0) {
    const at::Tensor coef = at::clamp_max(max_norm / (total + 1e-6), 1.0);
    for (Slot& s : slots_) {
      if (s.param.grad().defined()) s.param.mutable_grad().mul_(coef.to(s.param.grad().dtype()));
    }
  }
  return total;
}

void AdamW::step(double lr) {
  at::NoGradGuard no_grad;
  ++steps_;
  if (device_steps_.defined()) device_steps_.add_(1);
  const double bias1 = 1.0 - std::pow(options_.beta1, static_cast<double>(steps_));
  const double bias2 = 1.0 - std::pow(options_.beta2, static_cast<double>(steps_));
  const double step_size = lr / bias1;
  const double bias2_sqrt = std::sqrt(bias2);
  for (Slot& s : slots_) {
    const at::Tensor& grad = s.param.grad();
    if (!grad.defined()) continue;
    if (options_.weight_decay != 0) s.param.mul_(1.0 - lr * options_.weight_decay);
    s.exp_avg.mul_(options_.beta1).add_(grad, 1.0 - options_.beta1);
    s.exp_avg_sq.mul_(options_.beta2).addcmul_(grad, grad, 1.0 - options_.beta2);
    const at::Tensor denom = (s.exp_avg_sq.sqrt() / bias2_sqrt).add_(options_.eps);
    s.param.addcdiv_(s.exp_avg, denom, -step_size);
  }
}

void AdamW::step(const at::Tensor& lr) {
  at::NoGradGuard no_grad;
  ++steps_;
  if (!device_steps_.defined()) {
    device_steps_ = at::full({}, static_cast<double>(steps_ - 1), lr.options().dtype(at::kFloat));
  }
  device_steps_.add_(1);
  const at::Tensor lr32 = lr.to(at::kFloat);
#ifdef HWB_FUSED_ADAMW
  if (use_fused()) {
    std::vector<at::Tensor> params, grads, avgs, avg_sqs, steps;
    for (Slot& s : slots_) {
      if (!s.param.grad().defined()) continue;
      params.push_back(s.param);
      grads.push_back(s.param.grad());
      avgs.push_back(s.exp_avg);
      avg_sqs.push_back(s.exp_avg_sq);
      steps.push_back(device_steps_);  // read, not advanced, by the kernel
    }
    if (params.empty()) return;
    at::_fused_adamw_(params, grads, avgs, avg_sqs, at::TensorList(), steps, lr32, options_.beta1,
                      options_.beta2, options_.weight_decay, options_.eps,
                      /*amsgrad=*/false, /*maximize=*/false);
    return;
  }
#endif
  const at::Tensor step_size = lr32 / (1.0 - at::pow(options_.beta1, device_steps_));
  const at::Tensor bias2_sqrt = at::sqrt(1.0 - at::pow(options_.beta2, device_steps_));
  const at::Tensor decay = 1.0 - lr32 * options_.weight_decay;
  for (Slot& s : slots_) {
    const at::Tensor& grad = s.param.grad();
    if (!grad.defined()) continue;
    if (options_.weight_decay != 0) s.param.mul_(decay);
    s.exp_avg.mul_(options_.beta1).add_(grad, 1.0 - options_.beta1);
    s.exp_avg_sq.mul_(options_.beta2).addcmul_(grad, grad, 1.0 - options_.beta2);
    const at::Tensor denom = (s.exp_avg_sq.sqrt() / bias2_sqrt).add_(options_.eps);
    s.param.sub_(s.exp_avg / denom * step_size);
  }
}

int64_t AdamW::steps_taken() const {
  if (!device_steps_.defined()) return steps_;
  return std::llround(device_steps_.item<double>());
}

std::vector<std::pair<std::string, at::Tensor>> AdamW::state() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const Slot& s : slots_) {
    out.emplace_back(s.name + ".exp_avg", s.exp_avg);
    out.emplace_back(s.name + ".exp_avg_sq", s.exp_avg_sq);
  }
  return out;
}

void AdamW::load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       int64_t steps) {
  std::map<std::string, at::Tensor> by_name(tensors.begin(), tensors.end());
  std::vector<std::string> missing;
  at::NoGradGuard no_grad;
  for (Slot& s : slots_) {
    for (auto [suffix, target] :
         {std::pair{".exp_avg", &s.exp_avg}, std::pair{".exp_avg_sq", &s.exp_avg_sq}}) {
      const auto it = by_name.find(s.name + suffix);
      if (it == by_name.end() || !it->second.sizes().equals(target->sizes())) {
        missing.push_back(s.name + suffix);
        continue;
      }
      target->copy_(it->second);
    }
  }
  if (!missing.empty()) {
    std::string message = "The checkpoint's optimiser state does not match the model:";
    for (std::size_t i = 0; i < missing.size() && i < 10; ++i) message += "\n  " + missing[i];
    throw Error(message);
  }
  steps_ = steps;
  device_steps_ = at::Tensor();  // recreated from steps_ by the next tensor-lr step
}

}  // namespace hwb
