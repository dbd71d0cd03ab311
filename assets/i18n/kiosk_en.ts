<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
  <context>
    <name>AuditPage</name>
    <message numerus="yes">
      <source>%n bay(s) checked</source>
      <translation>
        <numerusform>%n bay checked</numerusform>
        <numerusform>%n bays checked</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n mismatch(es)</source>
      <translation>
        <numerusform>%n mismatch</numerusform>
        <numerusform>%n mismatches</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>ChooseScreen</name>
    <message numerus="yes">
      <source>%n available</source>
      <translation>
        <numerusform>%n available</numerusform>
        <numerusform>%n available</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>HealthPage</name>
    <message numerus="yes">
      <source>%n unfinished</source>
      <translation>
        <numerusform>%n unfinished</numerusform>
        <numerusform>%n unfinished</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>+%n more</source>
      <translation>
        <numerusform>+%n more</numerusform>
        <numerusform>+%n more</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>KeypadOverlay</name>
    <message numerus="yes">
      <source>Wrong PIN. %n attempt(s) left.</source>
      <translation>
        <numerusform>Wrong PIN. %n attempt left.</numerusform>
        <numerusform>Wrong PIN. %n attempts left.</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>StillThereOverlay</name>
    <message numerus="yes">
      <source>To keep your details private, we'll start over in %n second(s).</source>
      <translation>
        <numerusform>To keep your details private, we'll start over in %n second.</numerusform>
        <numerusform>To keep your details private, we'll start over in %n seconds.</numerusform>
      </translation>
    </message>
  </context>
</TS>
