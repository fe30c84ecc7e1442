// Drives the real setup form offscreen: the demo config can start; a bad value marks its own field
// with the reason and disables Start until it is fixed; the parameter count follows the reduction
// factor and equals ParameterEstimate; presets round-trip through files.
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>

#include <nlohmann/json.hpp>

#include "core/model/BuiltinBackbones.h"
#include "core/peft/ParameterEstimate.h"
#include "core/train/ExperimentSettings.h"
#include "tests/TestUtil.h"
#include "ui/setup/Presets.h"
#include "ui/setup/SetupForm.h"
#include "ui/setup/TaskPicker.h"

using hwb::ExperimentConfig;
using hwb::SetupForm;

namespace {

template <typename T>
T* field(const SetupForm& form, const char* name) {
  T* w = form.findChild<T*>(name);
  if (!w) qFatal("no field %s", name);
  return w;
}

bool marked(const QWidget* w) {
  return w->property("invalid").toBool();
}

}  // namespace

class TestUiSetup : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // The form's fields come from the settings table: every row has its editor, named after its key.
  void every_setting_has_a_field() {
    SetupForm form;
    for (const hwb::Setting<hwb::ExperimentConfig>& s : hwb::experiment_settings()) {
      QVERIFY2(form.findChild<QWidget*>(QString::fromStdString(s.key())) != nullptr,
               s.path.c_str());
    }
  }

  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void the_demo_config_can_start() {
    SetupForm form;
    form.show();
    QVERIFY2(form.canStart(), qPrintable(form.problems().join("\n")));
    auto* start = field<QPushButton>(form, "start");
    QVERIFY(start->isEnabled());
    // The demo's two bundled tasks are found, with their sizes, and checked.
    auto* tasks = field<QListWidget>(form, "tasks");
    QCOMPARE(tasks->count(), 2);
    QTRY_VERIFY(tasks->item(0)->text().contains("20,000 train examples"));  // counted on a worker
    QCOMPARE(form.config().task_names(), (std::vector<std::string>{"sst2", "rte"}));
    QVERIFY(field<QComboBox>(form, "device")->findData("cpu") >= 0);

    // Typing into the form reaches the config; Start hands it over.
    auto* name = field<QLineEdit>(form, "name");
    name->clear();
    QTest::keyClicks(name, "typed-run");
    QCOMPARE(form.config().name, std::string("typed-run"));
    QSignalSpy started(&form, &SetupForm::startRequested);
    QTest::mouseClick(start, Qt::LeftButton);
    QCOMPARE(started.size(), 1);
    QCOMPARE(started.at(0).at(0).value<ExperimentConfig>().name, std::string("typed-run"));
  }

  void caps_apply_to_every_task() {
    SetupForm form;  // the demo: SST-2 validation capped at 500, RTE not
    auto* max_train = field<QSpinBox>(form, "max_train");
    auto* max_validation = field<QSpinBox>(form, "max_validation");
    QCOMPARE(max_train->value(), 0);
    QCOMPARE(max_validation->value(), -1);  // differs between the tasks
    QCOMPARE(max_validation->text(), QString("as set per task"));
    max_train->setValue(200);
    for (const auto& t : form.config().tasks) {
      QCOMPARE(t.max_train, std::size_t{200});
    }
    QCOMPARE(form.config().tasks[0].max_validation, std::size_t{500});  // left as it was
    max_validation->setValue(50);
    for (const auto& t : form.config().tasks) QCOMPARE(t.max_validation, std::size_t{50});
    QVERIFY(field<QListWidget>(form, "tasks")->item(0)->text().contains("capped at 200"));
  }

  void an_invalid_value_marks_its_field_and_disables_start() {
    SetupForm form;
    auto* start = field<QPushButton>(form, "start");
    auto* steps = field<QSpinBox>(form, "steps");
    steps->setValue(0);
    QVERIFY(!start->isEnabled());
    QVERIFY(marked(steps));
    QVERIFY2(form.reasonAt(steps).contains("must be positive"), qPrintable(form.reasonAt(steps)));
    QVERIFY(steps->toolTip().contains("training.steps"));
    QVERIFY(field<QLabel>(form, "problems")->text().contains("training.steps"));
    QVERIFY(!marked(field<QSpinBox>(form, "batch_size")));  // only the field at fault
    steps->setValue(300);
    QVERIFY(start->isEnabled());
    QVERIFY(!marked(steps));

    // Warm-up must be shorter than the run: the problem sits on the warm-up field.
    auto* warmup = field<QSpinBox>(form, "warmup_steps");
    warmup->setValue(300);
    QVERIFY(marked(warmup));
    QVERIFY(!start->isEnabled());
    warmup->setValue(30);
    QVERIFY(start->isEnabled());

    // Text that is not a number.
    auto* lr = field<QLineEdit>(form, "learning_rate");
    lr->clear();
    QTest::keyClicks(lr, "fast");
    QVERIFY(marked(lr));
    QVERIFY2(form.reasonAt(lr).contains("expected a number, got 'fast'"),
             qPrintable(form.reasonAt(lr)));
    QVERIFY(!start->isEnabled());
    lr->clear();
    QTest::keyClicks(lr, "5e-4");
    QVERIFY(!marked(lr));
    QCOMPARE(form.config().learning_rate, 5e-4);
    QVERIFY(start->isEnabled());

    // A reduction factor that does not divide the backbone's width (192 for the demo's t5-mini).
    auto* reduction = field<QSpinBox>(form, "reduction_factor");
    reduction->setValue(7);
    QVERIFY(marked(reduction));
    QVERIFY2(form.reasonAt(reduction).contains("does not divide"),
             qPrintable(form.reasonAt(reduction)));
    QVERIFY(!start->isEnabled());
    reduction->setValue(16);
    QVERIFY(!marked(reduction));
    QVERIFY(start->isEnabled());

    // No task at all: the task list is marked.
    auto* tasks = field<QListWidget>(form, "tasks");
    for (int i = 0; i < tasks->count(); ++i) tasks->item(i)->setCheckState(Qt::Unchecked);
    QVERIFY(marked(tasks));
    QVERIFY(!start->isEnabled());
    tasks->item(0)->setCheckState(Qt::Checked);
    QVERIFY(!marked(tasks));
    QVERIFY(start->isEnabled());

    // A backbone folder without config.json.
    QTemporaryDir empty;
    auto* backbone = field<QLineEdit>(form, "backbone");
    backbone->clear();
    QTest::keyClicks(backbone, empty.path());
    QVERIFY(marked(backbone));
    QVERIFY(form.reasonAt(backbone).contains("config.json"));
    QVERIFY(!start->isEnabled());
    backbone->clear();
    QTest::keyClicks(backbone, "builtin:tiny");
    QVERIFY(!marked(backbone));
    QVERIFY(start->isEnabled());
  }

  void the_parameter_count_follows_the_reduction_factor() {
    SetupForm form;
    auto* reduction = field<QSpinBox>(form, "reduction_factor");
    reduction->setValue(8);
    QVERIFY(form.parameterReport().has_value());
    const int64_t at8 = form.parameterReport()->trainable;
    reduction->setValue(32);
    const int64_t at32 = form.parameterReport()->trainable;
    QVERIFY2(at32 < at8, qPrintable(QString("%1 vs %2").arg(at32).arg(at8)));
    // The numbers shown are the estimate's, and the label says them.
    const hwb::ParameterReport expected = hwb::estimate_parameters(
        hwb::backbone_spec_config(form.config().backbone), form.config().peft);
    QCOMPARE(at32, expected.trainable);
    const QString label = field<QLabel>(form, "parameters")->text();
    QVERIFY2(label.contains(QLocale().toString(qlonglong(expected.trainable))), qPrintable(label));
    QVERIFY(label.contains(QString::number(expected.per_task_percent, 'f', 4)));
    // Fewer tasks: a larger share each.
    const double two_tasks = form.parameterReport()->per_task;
    field<QListWidget>(form, "tasks")->item(1)->setCheckState(Qt::Unchecked);
    QVERIFY(form.parameterReport()->per_task > two_tasks);
  }

  void tasks_and_backbone_come_from_folders() {
    SetupForm form;
    auto* glue_dir = field<QLineEdit>(form, "glue_dir");
    auto* tasks = field<QListWidget>(form, "tasks");
    const QString glue = QString::fromStdString((hwb::test::data_dir() / "glue").string());
    glue_dir->clear();
    QTest::keyClicks(glue_dir, glue);
    QTest::keyClick(glue_dir, Qt::Key_Return);
    QCOMPARE(tasks->count(), 8);  // every GLUE task of the fixture folder, with its size
    QTRY_VERIFY(!form.findChild<hwb::TaskPicker*>()->counting());
    for (int i = 0; i < tasks->count(); ++i) {
      QVERIFY2(tasks->item(i)->text().contains("train examples"),
               qPrintable(tasks->item(i)->text()));
    }
    QVERIFY2(form.canStart(), qPrintable(form.problems().join("\n")));

    // A custom task from its JSON definition joins the list, checked.
    const QString reviews =
        QString::fromStdString((hwb::test::data_dir() / "custom" / "reviews.json").string());
    QCOMPARE(form.findChild<hwb::TaskPicker*>()->addCustomTask(reviews), QString());
    QCOMPARE(tasks->count(), 9);
    const auto names = form.config().task_names();
    QVERIFY(std::find(names.begin(), names.end(), "reviews") != names.end());
    QVERIFY(form.config().tasks.back().custom.has_value());
    QVERIFY(!form.findChild<hwb::TaskPicker*>()->addCustomTask("/nonexistent/task.json").isEmpty());

    // A real backbone folder: its shape drives the estimate.
    const auto folder = hwb::test::data_dir() / "t5" / "v11_untied_f32";
    auto* backbone = field<QLineEdit>(form, "backbone");
    backbone->clear();
    QTest::keyClicks(backbone, QString::fromStdString(folder.string()));
    QVERIFY2(form.canStart(), qPrintable(form.problems().join("\n")));
    const hwb::T5Config t5 = hwb::T5Config::load(folder / "config.json");
    QCOMPARE(form.parameterReport()->backbone,
             hwb::estimate_parameters(t5, form.config().peft).backbone);
    QVERIFY(field<QLabel>(form, "backbone_info")->text().contains(QString::number(t5.d_model)));

    // A folder without the checked GLUE tasks: they stay listed, and the list says why.
    QTemporaryDir empty;
    glue_dir->clear();
    QTest::keyClicks(glue_dir, empty.path());
    QTest::keyClick(glue_dir, Qt::Key_Return);
    QVERIFY(marked(tasks));
    QVERIFY2(form.reasonAt(tasks).contains("no train file"), qPrintable(form.reasonAt(tasks)));
    QVERIFY(!form.canStart());
  }

  void presets_round_trip() {
    QTemporaryDir dir;
    const QString file = dir.filePath("mine.json");
    nlohmann::json saved;
    {
      SetupForm form;
      auto* name = field<QLineEdit>(form, "name");
      name->clear();
      QTest::keyClicks(name, "preset-run");
      field<QSpinBox>(form, "reduction_factor")->setValue(16);
      field<QSpinBox>(form, "steps")->setValue(1234);
      field<QCheckBox>(form, "cuda_graphs")->setChecked(false);
      field<QComboBox>(form, "variant")
          ->setCurrentIndex(field<QComboBox>(form, "variant")->findData(QString("hyperformer")));
      field<QListWidget>(form, "tasks")->item(1)->setCheckState(Qt::Unchecked);
      QVERIFY(form.canStart());
      QCOMPARE(form.savePreset(file), QString());
      saved = form.config().to_json();
    }
    SetupForm other;
    QVERIFY(other.config().to_json() != saved);
    QCOMPARE(other.loadPreset(file), QString());
    QCOMPARE(other.config().to_json(), saved);
    QCOMPARE(field<QSpinBox>(other, "steps")->value(), 1234);
    QVERIFY(!field<QCheckBox>(other, "cuda_graphs")->isChecked());
    QVERIFY(!saved["training"]["cuda_graphs"].get<bool>());
    QCOMPARE(field<QLineEdit>(other, "name")->text(), QString("preset-run"));
    QCOMPARE(ExperimentConfig::load(file.toStdString()).to_json(), saved);

    // A preset saved in the person's folder is offered by name.
    QDir().mkpath(hwb::user_preset_dir());
    const QString own = hwb::user_preset_dir() + "/my_own.json";
    QCOMPARE(other.savePreset(own), QString());
    other.reloadPresetList();
    QVERIFY(field<QComboBox>(other, "presets")->findText("my_own") >= 0);
    QFile::remove(own);

    // A broken preset is refused with its reason and leaves the form as it was.
    hwb::test::write_text(dir.filePath("bad.json").toStdString(), R"({"nmae": "x"})");
    const QString error = other.loadPreset(dir.filePath("bad.json"));
    QVERIFY2(error.contains("nmae"), qPrintable(error));
    QCOMPARE(other.config().to_json(), saved);
  }

  // Whatever presets the program ships load into the form; a GPU preset on a machine without one
  // has its device marked rather than silently changed.
  void bundled_presets_load() {
    SetupForm form;
    const bool has_gpu = field<QComboBox>(form, "device")->findData("cuda:0") >= 0;
    for (const hwb::PresetFile& preset : hwb::list_presets()) {
      QCOMPARE(form.loadPreset(preset.path), QString());
      QCOMPARE(field<QComboBox>(form, "presets")->findText(preset.name) >= 0, true);
      if (!has_gpu && form.config().device != "cpu") {
        auto* device = field<QComboBox>(form, "device");
        QVERIFY2(marked(device), qPrintable(preset.path));
        QVERIFY(form.reasonAt(device).contains("not detected"));
        QVERIFY(!form.canStart());
      }
    }
  }
};

QTEST_MAIN(TestUiSetup)
#include "tst_ui_setup.moc"
