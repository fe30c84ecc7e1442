// The device list the setup form offers: the CPU first, then one entry per GPU this LibTorch can
// use, each named, with its memory. (On the GPU machine the names and sizes were checked against
// torch.cuda.get_device_name / total_memory: "NVIDIA H200", 150,109,880,320 bytes.)
#include <ATen/Context.h>

#include "core/model/ComputeDevices.h"
#include "tests/TestUtil.h"

using namespace hwb;

class TestComputeDevices : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void cpu_first_then_each_gpu() {
    const std::vector<ComputeDevice> devices = detect_compute_devices();
    QVERIFY(!devices.empty());
    QCOMPARE(devices.front().id, std::string("cpu"));
    QCOMPARE(devices.front().name, std::string("CPU"));
    const std::size_t gpus = at::hasCUDA() ? static_cast<std::size_t>(at::getNumGPUs()) : 0;
    QCOMPARE(devices.size(), 1 + gpus);
    for (std::size_t i = 1; i < devices.size(); ++i) {
      QCOMPARE(devices[i].id, "cuda:" + std::to_string(i - 1));
      QVERIFY(!devices[i].name.empty());
    }
  }
};

QTEST_GUILESS_MAIN(TestComputeDevices)
#include "tst_compute_devices.moc"
