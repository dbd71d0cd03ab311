<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>A11yBar</name>
    <message>
        <location filename="../../ui/a11y_bar.py" line="130"/>
        <source>Stop reading</source>
        <translation>停止朗读</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_bar.py" line="132"/>
        <source>Read aloud</source>
        <translation>朗读</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_bar.py" line="133"/>
        <source>Large text and high contrast</source>
        <translation>大字体与高对比度</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_bar.py" line="134"/>
        <source>Low reach: all buttons low on the screen</source>
        <translation>低位操作：所有按钮在屏幕下方</translation>
    </message>
</context>
<context>
    <name>A11yChrome</name>
    <message>
        <location filename="../../ui/a11y_chrome.py" line="258"/>
        <source>Low reach is on: everything you need to touch is in the lower part of the screen.</source>
        <translation>低位操作已开启：您需要点按的内容都在屏幕下方。</translation>
    </message>
</context>
<context>
    <name>AttractScreen</name>
    <message>
        <location filename="../../ui/screens/attract.py" line="194"/>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <location filename="../../ui/screens/attract.py" line="195"/>
        <source>Take a test drive</source>
        <translation>试驾，从这里开始</translation>
    </message>
    <message>
        <location filename="../../ui/screens/attract.py" line="197"/>
        <source>Pick a car, take a quick selfie, and drive it for up to three days. Your car comes down in about two minutes.</source>
        <translation>选一辆车，拍一张自拍，就能开走试驾，最长三天。车辆约两分钟即可送达。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/attract.py" line="198"/>
        <source>Touch to start</source>
        <translation>点击开始</translation>
    </message>
    <message>
        <location filename="../../ui/screens/attract.py" line="199"/>
        <source>Return a car</source>
        <translation>还车</translation>
    </message>
    <message>
        <location filename="../../ui/screens/attract.py" line="200"/>
        <source>Buy a car</source>
        <translation>购车</translation>
    </message>
    <message>
        <location filename="../../ui/screens/attract.py" line="201"/>
        <source>Have your member pass ready in the app.</source>
        <translation>请在 App 中准备好您的会员通行码。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/attract.py" line="202"/>
        <source>Touch anywhere to start</source>
        <translation>轻触屏幕任意位置开始</translation>
    </message>
</context>
<context>
    <name>AuditPage</name>
    <message>
        <location filename="../../ui/staff/audit.py" line="67"/>
        <source>Asking the controller and the backend…</source>
        <translation>正在询问控制器和后台…</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="82"/>
        <source>The audit could not finish.</source>
        <translation>盘点未能完成。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/staff/audit.py" line="95"/>
        <source>%n bay(s) checked</source>
        <translation>
            <numerusform>已检查 %n 个车位</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/staff/audit.py" line="96"/>
        <source>%n mismatch(es)</source>
        <translation>
            <numerusform>%n 处不一致</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="97"/>
        <source>no mismatches</source>
        <translation>全部一致</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="101"/>
        <source>car</source>
        <translation>有车</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="101"/>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="106"/>
        <source>lobby</source>
        <translation>大厅</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="127"/>
        <location filename="../../ui/staff/audit.py" line="152"/>
        <source>On</source>
        <translation>开</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="127"/>
        <location filename="../../ui/staff/audit.py" line="152"/>
        <source>Off</source>
        <translation>关</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="156"/>
        <source>car not in backend</source>
        <translation>后台无此车</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="157"/>
        <source>car missing</source>
        <translation>车辆缺失</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="158"/>
        <source>unknown bay</source>
        <translation>未知车位</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="159"/>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="162"/>
        <source>Run audit</source>
        <translation>开始盘点</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="164"/>
        <source>Bay</source>
        <translation>车位</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="164"/>
        <source>Level</source>
        <translation>层</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="164"/>
        <source>Controller</source>
        <translation>控制器</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="164"/>
        <source>Backend</source>
        <translation>后台</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="165"/>
        <source>Car</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="165"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="165"/>
        <source>Check</source>
        <translation>核对</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="165"/>
        <source>Maintenance</source>
        <translation>维护</translation>
    </message>
    <message>
        <location filename="../../ui/staff/audit.py" line="168"/>
        <source>Compare the controller&apos;s bay sensors with the backend&apos;s inventory.</source>
        <translation>将控制器的车位传感器与后台库存进行核对。</translation>
    </message>
</context>
<context>
    <name>CameraView</name>
    <message>
        <location filename="../../ui/camera_view.py" line="231"/>
        <source>Starting the camera…</source>
        <translation>正在启动摄像头…</translation>
    </message>
    <message>
        <location filename="../../ui/camera_view.py" line="232"/>
        <source>The camera is reconnecting…</source>
        <translation>摄像头正在重新连接…</translation>
    </message>
</context>
<context>
    <name>Challenge</name>
    <message>
        <location filename="../../ui/messages.py" line="353"/>
        <source>Turn your head to your left</source>
        <translation>请向左转头</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="354"/>
        <source>Turn your head to your right</source>
        <translation>请向右转头</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="355"/>
        <source>Blink your eyes</source>
        <translation>请眨眨眼</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="356"/>
        <source>Nod your head</source>
        <translation>请点点头</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="357"/>
        <source>Smile</source>
        <translation>请微笑</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="362"/>
        <source>Follow the instruction</source>
        <translation>请按提示操作</translation>
    </message>
</context>
<context>
    <name>ChooseScreen</name>
    <message>
        <location filename="../../ui/screens/choose.py" line="293"/>
        <source>Which model would you like to buy?</source>
        <translation>您想购买哪款车型？</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="294"/>
        <source>You&apos;ll finish your order in the app.</source>
        <translation>您将在 App 中完成订单。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="298"/>
        <source>Choose a colour for your {model}</source>
        <translation>为您的{model}选择颜色</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="299"/>
        <source>Greyed-out colours aren&apos;t in this tower today.</source>
        <translation>灰色显示的颜色今天本塔暂无库存。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="301"/>
        <source>Choose your car</source>
        <translation>选择您的车</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="302"/>
        <source>These cars are in this tower now.</source>
        <translation>以下车辆目前就在本塔中。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="303"/>
        <source>Looking at what&apos;s in the tower…</source>
        <translation>正在查询塔内车辆…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="304"/>
        <source>Preparing your order…</source>
        <translation>正在准备您的订单…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="305"/>
        <source>Reserving your car…</source>
        <translation>正在为您预留车辆…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="306"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="307"/>
        <source>Other models</source>
        <translation>其他车型</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="316"/>
        <source>Not in stock</source>
        <translation>暂无库存</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="317"/>
        <source>Available</source>
        <translation>可选</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="326"/>
        <source>Order in the app</source>
        <translation>在 App 中下单</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="327"/>
        <source>Driven on {day}</source>
        <translation>已于{day}试驾</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/choose.py" line="330"/>
        <source>%n available</source>
        <translation>
            <numerusform>可选 %n 辆</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="333"/>
        <source>Not in stock today</source>
        <translation>今日暂无库存</translation>
    </message>
    <message>
        <location filename="../../ui/screens/choose.py" line="353"/>
        <source>Buy the {model}</source>
        <translation>购买{model}</translation>
    </message>
</context>
<context>
    <name>Colour</name>
    <message>
        <location filename="../../ui/car_names.py" line="18"/>
        <source>White</source>
        <translation>白色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="19"/>
        <source>Pearl</source>
        <translation>珍珠白</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="20"/>
        <source>Black</source>
        <translation>黑色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="21"/>
        <source>Silver</source>
        <translation>银色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="22"/>
        <location filename="../../ui/car_names.py" line="23"/>
        <source>Grey</source>
        <translation>灰色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="24"/>
        <source>Red</source>
        <translation>红色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="25"/>
        <source>Blue</source>
        <translation>蓝色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="26"/>
        <source>Navy</source>
        <translation>藏青色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="27"/>
        <source>Green</source>
        <translation>绿色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="28"/>
        <source>Yellow</source>
        <translation>黄色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="29"/>
        <source>Orange</source>
        <translation>橙色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="30"/>
        <source>Brown</source>
        <translation>棕色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="31"/>
        <source>Beige</source>
        <translation>米色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="32"/>
        <source>Gold</source>
        <translation>金色</translation>
    </message>
    <message>
        <location filename="../../ui/car_names.py" line="33"/>
        <source>Purple</source>
        <translation>紫色</translation>
    </message>
</context>
<context>
    <name>Confirm</name>
    <message>
        <location filename="../../ui/staff/common.py" line="180"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>DispatchScreen</name>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="136"/>
        <source>Working out the time…</source>
        <translation>正在计算所需时间…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="140"/>
        <source>Almost there</source>
        <translation>马上就到</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="142"/>
        <source>About {m} min {s} s left</source>
        <translation>约 {m} 分 {s} 秒</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="145"/>
        <source>About {s} seconds left</source>
        <translation>约 {s} 秒</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="202"/>
        <source>Returning your car</source>
        <translation>正在还车</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="203"/>
        <source>We&apos;re storing your car</source>
        <translation>正在为您将车辆入库</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="205"/>
        <source>Thanks for bringing it back. Please stay clear of the bay while the lift works.</source>
        <translation>感谢您还车。升降机运行期间，请远离车位。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="207"/>
        <source>You&apos;re all set</source>
        <translation>一切就绪</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="208"/>
        <source>Your car is on its way</source>
        <translation>您的车正在送达途中</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="210"/>
        <source>The lift is on its way to fetch your car.</source>
        <translation>升降机正在去取您的车。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="212"/>
        <source>The lift is bringing it down to the delivery bay.</source>
        <translation>升降机正在把车送到取车位。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="221"/>
        <source>At street level</source>
        <translation>位于地面层</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="223"/>
        <source>Level {x} of {y}</source>
        <translation>第 {x} 层 / 共 {y} 层</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="225"/>
        <source>Level {x}</source>
        <translation>第 {x} 层</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="227"/>
        <source>Starting the lift…</source>
        <translation>正在启动升降机…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="229"/>
        <source>Coming down to the street</source>
        <translation>正下降至地面层</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="230"/>
        <source>Heading to level {y}</source>
        <translation>正前往第 {y} 层</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="237"/>
        <source>Please wait here: we&apos;ll confirm as soon as the car is stored.</source>
        <translation>请在此稍候，车辆入库后我们会立即确认。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/dispatch.py" line="238"/>
        <source>The bay door opens by itself when the car is ready.</source>
        <translation>车辆到位后，取车位的门会自动打开。</translation>
    </message>
</context>
<context>
    <name>ErrorScreen</name>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="330"/>
        <source>What happens next</source>
        <translation>接下来</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="334"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>Guidance</name>
    <message>
        <location filename="../../ui/messages.py" line="332"/>
        <source>Look at the camera</source>
        <translation>请看向摄像头</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="333"/>
        <location filename="../../ui/messages.py" line="334"/>
        <source>Only one person, please</source>
        <translation>请只保留一人在画面中</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="335"/>
        <location filename="../../ui/messages.py" line="336"/>
        <source>Come a little closer</source>
        <translation>请靠近一点</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="337"/>
        <source>Move back a little</source>
        <translation>请稍微后退</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="338"/>
        <location filename="../../ui/messages.py" line="339"/>
        <location filename="../../ui/messages.py" line="340"/>
        <source>Centre your face in the oval</source>
        <translation>请将脸部置于椭圆框中央</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="341"/>
        <source>Look straight at the camera</source>
        <translation>请正视摄像头</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="342"/>
        <location filename="../../ui/messages.py" line="343"/>
        <source>We need a little more light on your face</source>
        <translation>脸部光线有点暗</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="344"/>
        <location filename="../../ui/messages.py" line="345"/>
        <source>Too much light behind or on you</source>
        <translation>光线太强了</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="346"/>
        <location filename="../../ui/messages.py" line="347"/>
        <source>Hold still for a moment</source>
        <translation>请保持不动</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="348"/>
        <source>Great, hold it there</source>
        <translation>很好，请保持</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="352"/>
        <source>Look at the camera and hold still</source>
        <translation>请看向摄像头并保持不动</translation>
    </message>
</context>
<context>
    <name>HandoverScreen</name>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="101"/>
        <source>Delivery bay</source>
        <translation>取车位</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="103"/>
        <source>The door is open</source>
        <translation>门已打开</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="104"/>
        <source>Your car is ready. Enjoy the drive!</source>
        <translation>您的车已就绪，祝您驾驶愉快！</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="105"/>
        <source>Please bring it back by {when}.</source>
        <translation>请在 {when} 前还车。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="106"/>
        <source>Please bring it back within three days.</source>
        <translation>请在三天内还车。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="108"/>
        <source>Walk to delivery bay {bay}. Your car is waiting with the door open.</source>
        <translation>请前往 {bay} 号取车位，车辆已在那里等您，门已打开。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="109"/>
        <source>Check the car over and drive off when you&apos;re ready.</source>
        <translation>检查车辆后即可驶离。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="111"/>
        <source>To return it, drive into the bay, scan your pass here and choose Return a car.</source>
        <translation>还车时，请将车开入车位，在这里扫描通行码并选择“还车”。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="114"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>Header</name>
    <message>
        <location filename="../../ui/chrome.py" line="92"/>
        <source>Scan pass</source>
        <translation>扫码</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="93"/>
        <source>Choose model</source>
        <translation>选车型</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="94"/>
        <source>Choose car</source>
        <translation>选车</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="95"/>
        <source>Selfie</source>
        <translation>自拍</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="96"/>
        <source>Check</source>
        <translation>核验</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="97"/>
        <source>Store car</source>
        <translation>入库</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="98"/>
        <source>Car arrives</source>
        <translation>送车</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="99"/>
        <source>Drive</source>
        <translation>出发</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="100"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="101"/>
        <source>Order</source>
        <translation>下单</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="106"/>
        <source>Car Tower</source>
        <translation>汽车塔</translation>
    </message>
</context>
<context>
    <name>HealthPage</name>
    <message>
        <location filename="../../ui/staff/health.py" line="147"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="148"/>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="168"/>
        <location filename="../../ui/staff/health.py" line="199"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="172"/>
        <source>customer job running</source>
        <translation>客户作业进行中</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="173"/>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/staff/health.py" line="174"/>
        <source>%n unfinished</source>
        <translation>
            <numerusform>%n 个未完成</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="189"/>
        <source>out of service (staff)</source>
        <translation>暂停服务（员工设置）</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="190"/>
        <source>out of service (operations centre)</source>
        <translation>暂停服务（运营中心）</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="191"/>
        <source>in service</source>
        <translation>服务中</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="191"/>
        <source>parts down</source>
        <translation>部件故障</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="194"/>
        <source>{member} until {time}</source>
        <translation>{member} 锁定至 {time}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/staff/health.py" line="198"/>
        <source>+%n more</source>
        <translation>
            <numerusform>另有 %n 人</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="205"/>
        <source>No alerts.</source>
        <translation>无警报。</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="208"/>
        <source>Running… (loads the models; about a minute at most)</source>
        <translation>运行中…（加载模型，最多约一分钟）</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="223"/>
        <source>All parts OK</source>
        <translation>所有部件正常</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="224"/>
        <source>Some parts failed</source>
        <translation>部分部件异常</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="228"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="229"/>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="230"/>
        <source>Backend</source>
        <translation>后台</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="231"/>
        <source>Lift</source>
        <translation>升降机</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="232"/>
        <source>This kiosk</source>
        <translation>本机</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="233"/>
        <source>Self-test and refresh</source>
        <translation>自检与刷新</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="234"/>
        <source>Latest alerts</source>
        <translation>最新警报</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="236"/>
        <source>Run self-test</source>
        <translation>运行自检</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="235"/>
        <source>Identity lockouts</source>
        <translation>身份核验锁定</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="238"/>
        <location filename="../../ui/staff/health.py" line="242"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="238"/>
        <source>Frames/s</source>
        <translation>帧率</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="239"/>
        <source>Last frame</source>
        <translation>最后一帧</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="240"/>
        <source>Reachable</source>
        <translation>可连接</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="240"/>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="241"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="241"/>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="242"/>
        <source>Link</source>
        <translation>链路</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="243"/>
        <source>Level</source>
        <translation>层</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="243"/>
        <source>Doors</source>
        <translation>门</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="244"/>
        <source>Faults</source>
        <translation>故障</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="244"/>
        <source>Jobs</source>
        <translation>作业</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="245"/>
        <source>App version</source>
        <translation>应用版本</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="245"/>
        <source>Uptime</source>
        <translation>运行时间</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="246"/>
        <source>Disk free</source>
        <translation>磁盘剩余</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="246"/>
        <source>Kiosk / tower</source>
        <translation>自助机 / 车塔</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="247"/>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <location filename="../../ui/staff/health.py" line="251"/>
        <source>Not run yet.</source>
        <translation>尚未运行。</translation>
    </message>
</context>
<context>
    <name>Hint</name>
    <message>
        <location filename="../../ui/messages.py" line="309"/>
        <location filename="../../ui/messages.py" line="310"/>
        <source>Bring your phone a little closer</source>
        <translation>请把手机再靠近一点</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="311"/>
        <source>Move your phone a little further away</source>
        <translation>请把手机稍微拿远一点</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="312"/>
        <source>Tilt your phone slightly to avoid reflections</source>
        <translation>请稍微倾斜手机，避免反光</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="313"/>
        <location filename="../../ui/messages.py" line="314"/>
        <source>Hold your phone flat, facing the camera</source>
        <translation>请将手机摆正，正对摄像头</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="315"/>
        <location filename="../../ui/messages.py" line="316"/>
        <source>Hold your phone still for a moment</source>
        <translation>请保持手机稳定片刻</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="317"/>
        <location filename="../../ui/messages.py" line="318"/>
        <source>Turn up your phone&apos;s screen brightness</source>
        <translation>请调高手机屏幕亮度</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="319"/>
        <location filename="../../ui/messages.py" line="320"/>
        <source>Show the whole code inside the frame</source>
        <translation>请让二维码完整出现在框内</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="325"/>
        <source>Hold your phone steady, about 20 cm from the camera</source>
        <translation>请将手机保持稳定，距摄像头约 20 厘米</translation>
    </message>
</context>
<context>
    <name>KeypadOverlay</name>
    <message>
        <location filename="../../ui/staff/keypad.py" line="171"/>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="205"/>
        <source>Wrong name or PIN.</source>
        <translation>姓名或 PIN 错误。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/staff/keypad.py" line="208"/>
        <source>Wrong PIN. %n attempt(s) left.</source>
        <translation>
            <numerusform>PIN 错误，还可尝试 %n 次。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="222"/>
        <source>Not %1?</source>
        <translation>不是 %1？</translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="229"/>
        <source>Too many wrong PINs. Try again in %1.</source>
        <translation>PIN 错误次数过多，请 %1 后再试。</translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="233"/>
        <source>Type your staff name</source>
        <translation>请输入员工姓名</translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="235"/>
        <source>Enter your PIN</source>
        <translation>请输入您的 PIN</translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="245"/>
        <source>Staff login</source>
        <translation>员工登录</translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="246"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="247"/>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <location filename="../../ui/staff/keypad.py" line="248"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>Lift</name>
    <message>
        <location filename="../../ui/messages.py" line="374"/>
        <source>Door open</source>
        <translation>门已打开</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="375"/>
        <source>Door opening</source>
        <translation>门正在打开</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="376"/>
        <source>Door closed</source>
        <translation>门已关闭</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="377"/>
        <source>Door closing</source>
        <translation>门正在关闭</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="378"/>
        <source>Door held: please keep the doorway clear</source>
        <translation>门被挡住：请保持门口畅通</translation>
    </message>
</context>
<context>
    <name>LiftPage</name>
    <message>
        <location filename="../../ui/staff/lift.py" line="98"/>
        <source>Controller: %1</source>
        <translation>控制器：%1</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="102"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="103"/>
        <source>a customer job is running</source>
        <translation>客户作业进行中</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="105"/>
        <source>level %1</source>
        <translation>第 %1 层</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="106"/>
        <source>doors %1</source>
        <translation>门 %1</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="106"/>
        <source>faults: %1</source>
        <translation>故障：%1</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="116"/>
        <source>car</source>
        <translation>有车</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="117"/>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="175"/>
        <source>Move the car in bay %1 to bay %2? The lift starts at once.</source>
        <translation>将 %1 号车位的车移到 %2 号车位？升降机会立即启动。</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="175"/>
        <source>Move a car?</source>
        <translation>移动车辆？</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="176"/>
        <source>Move</source>
        <translation>移动</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="182"/>
        <source>Move a car</source>
        <translation>移动车辆</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="183"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="184"/>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="185"/>
        <source>Move…</source>
        <translation>移动…</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="186"/>
        <source>Lift</source>
        <translation>升降机</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="187"/>
        <source>Home</source>
        <translation>复位</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="188"/>
        <source>Acknowledge fault</source>
        <translation>确认故障</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="189"/>
        <source>Delivery bay doors</source>
        <translation>交车位车门</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="190"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="191"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../ui/staff/lift.py" line="192"/>
        <source>Controller answers</source>
        <translation>控制器应答</translation>
    </message>
</context>
<context>
    <name>OrderedScreen</name>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="229"/>
        <source>Order {ref}</source>
        <translation>订单 {ref}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="230"/>
        <source>Your order has started</source>
        <translation>您的订单已创建</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="232"/>
        <source>Finish it on your phone. Nothing is charged until you confirm in the app.</source>
        <translation>请在手机上完成订单。在 App 中确认之前不会扣费。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="233"/>
        <source>Open your phone&apos;s camera and point it at this code.</source>
        <translation>打开手机相机，对准这个二维码。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="234"/>
        <source>Tap the link to open your order in the app.</source>
        <translation>点击链接，在 App 中打开订单。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="235"/>
        <source>Choose payment and delivery, then confirm.</source>
        <translation>选择付款和交付方式，然后确认。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="238"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>OutOfServiceScreen</name>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="348"/>
        <source>Temporarily unavailable</source>
        <translation>暂停服务</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="351"/>
        <source>Taken out of service by the operations centre</source>
        <translation>已由运营中心暂停服务</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="354"/>
        <source>This kiosk is taking a short break while we fix something. Please try again a little later.</source>
        <translation>本机正在维护，请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="355"/>
        <source>If you need help now, please ask a member of staff.</source>
        <translation>如需帮助，请联系工作人员。</translation>
    </message>
</context>
<context>
    <name>PaymentScreen</name>
    <message>
        <location filename="../../ui/screens/payment.py" line="104"/>
        <source>Time left to pay: {m}:{s:02d}</source>
        <translation>剩余付款时间：{m}:{s:02d}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="114"/>
        <source>Pay for your test drive</source>
        <translation>为您的试驾付款</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="116"/>
        <source>A {days}-day test drive for {amount} {currency}. You pay in the member app; the kiosk continues by itself.</source>
        <translation>{days}天试驾，费用 {amount} {currency}。请在会员应用中付款，付款后本机会自动继续。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="118"/>
        <source>Open the member app and scan this code.</source>
        <translation>打开会员应用，扫描此二维码。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="119"/>
        <source>Check the amount and confirm the payment.</source>
        <translation>核对金额并确认付款。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="120"/>
        <source>Then choose your car here.</source>
        <translation>然后在这里选择您的车。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="124"/>
        <source>Paid. Thank you!</source>
        <translation>已付款，谢谢！</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="125"/>
        <source>Waiting for your payment…</source>
        <translation>正在等待您付款…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="126"/>
        <source>Preparing your payment…</source>
        <translation>正在准备付款…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/payment.py" line="128"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ReadAloud</name>
    <message>
        <location filename="../../ui/a11y_speech.py" line="39"/>
        <source>Read aloud is switched off on this kiosk.</source>
        <translation>本机已关闭朗读功能。</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_speech.py" line="43"/>
        <source>Read aloud is not available: this kiosk has no speech engine. Please ask staff for help.</source>
        <translation>无法朗读：本机没有语音引擎。请向工作人员求助。</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_speech.py" line="45"/>
        <source>Read aloud has no voice for this language.</source>
        <translation>朗读功能没有这种语言的语音。</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_speech.py" line="49"/>
        <source>Read aloud is not available: this kiosk has no loudspeaker. Please ask staff for help.</source>
        <translation>无法朗读：本机没有扬声器。请向工作人员求助。</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_speech.py" line="52"/>
        <source>Read aloud failed. Please try again or ask staff.</source>
        <translation>朗读失败。请重试或向工作人员求助。</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_speech.py" line="70"/>
        <source>Buttons:</source>
        <translation>按钮：</translation>
    </message>
    <message>
        <location filename="../../ui/a11y_speech.py" line="71"/>
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <location filename="../../ui/messages.py" line="47"/>
        <source>A member of staff has been alerted and will help you.</source>
        <translation>已通知工作人员，他们会来帮助您。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="48"/>
        <source>Refresh your pass in the app and show it to the camera.</source>
        <translation>请在 App 中刷新通行码，再对准摄像头。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="53"/>
        <source>Nothing has been booked or charged. Staff have been alerted; please try again in a few minutes.</source>
        <translation>没有产生任何预订或扣费。已通知工作人员，请几分钟后再试。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="55"/>
        <source>Test drives are for Super Members</source>
        <translation>试驾仅限超级会员</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="57"/>
        <source>Test drives are for Super Members (credit score {score} or more).</source>
        <translation>试驾仅限超级会员（信用分 {score} 分及以上）。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="58"/>
        <source>You can still buy a car here, or in the app.</source>
        <translation>您仍可以在这里或在 App 中购车。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="61"/>
        <source>You&apos;ve reached your test drive limit</source>
        <translation>您的试驾次数已达上限</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="62"/>
        <source>Members can take 5 test drives in any 60 days.</source>
        <translation>每位会员在任意 60 天内最多可试驾 5 次。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="64"/>
        <source>You can book another test drive when an earlier one is more than 60 days old.</source>
        <translation>待之前的试驾超过 60 天后，即可再次试驾。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="67"/>
        <source>You already have a car out</source>
        <translation>您已有一辆车在试驾中</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="68"/>
        <source>One test drive at a time: your current car is still out.</source>
        <translation>每次只能试驾一辆车，您当前的车辆尚未归还。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="69"/>
        <source>Return it here first, then you can take the next one.</source>
        <translation>请先在这里还车，再试驾下一辆。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="72"/>
        <source>A car is overdue</source>
        <translation>有车辆逾期未还</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="73"/>
        <source>The car from your last test drive is past its return time.</source>
        <translation>您上次试驾的车辆已超过归还时间。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="75"/>
        <source>Please return it first. If you need help, ask a member of staff.</source>
        <translation>请先还车。如需帮助，请联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="78"/>
        <source>We couldn&apos;t confirm it&apos;s you</source>
        <translation>无法确认您的身份</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="79"/>
        <source>Your selfie didn&apos;t match the photo on your membership.</source>
        <translation>您的自拍与会员照片不一致。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="80"/>
        <source>A member of staff can check your ID and help you.</source>
        <translation>工作人员可以核验您的证件并为您提供帮助。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="83"/>
        <source>The selfie check didn&apos;t work</source>
        <translation>自拍验证未通过</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="84"/>
        <source>We couldn&apos;t complete the selfie check this time.</source>
        <translation>这次未能完成自拍验证。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="86"/>
        <source>You can start again with a fresh pass, or ask a member of staff for help.</source>
        <translation>您可以用新的通行码重新开始，或请工作人员帮助。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="89"/>
        <source>Selfie checks are paused for now</source>
        <translation>自拍验证暂时停用</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="91"/>
        <source>After several selfie checks that didn&apos;t work, we pause them for a while to protect your account.</source>
        <translation>自拍验证多次未通过，为保护您的账户，我们暂时停用验证。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="93"/>
        <source>Please try again later, or ask a member of staff for help.</source>
        <translation>请稍后再试，或请工作人员帮助。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="96"/>
        <source>That pass can&apos;t be used</source>
        <translation>该通行码无法使用</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="97"/>
        <source>That code isn&apos;t a valid member pass.</source>
        <translation>这不是有效的会员通行码。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="101"/>
        <source>That pass has expired</source>
        <translation>通行码已过期</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="103"/>
        <source>That pass has expired. Refresh it in the app and scan again.</source>
        <translation>该通行码已过期。请在 App 中刷新后重新扫码。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="107"/>
        <source>That pass was already used</source>
        <translation>该通行码已被使用</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="109"/>
        <source>Each pass works once. Refresh it in the app and scan again.</source>
        <translation>每个通行码只能使用一次。请在 App 中刷新后重新扫码。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="113"/>
        <source>That pass is for another tower</source>
        <translation>该通行码属于其他汽车塔</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="115"/>
        <source>That pass is for a different tower. Choose this tower in the app and scan again.</source>
        <translation>该通行码适用于其他汽车塔。请在 App 中选择本塔后重新扫码。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="119"/>
        <location filename="../../ui/messages.py" line="125"/>
        <source>That&apos;s not a member pass</source>
        <translation>这不是会员通行码</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="121"/>
        <location filename="../../ui/messages.py" line="127"/>
        <source>That code isn&apos;t a member pass. Open your pass in the app and show it to the camera.</source>
        <translation>这个二维码不是会员通行码。请在 App 中打开您的通行码，对准摄像头。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="131"/>
        <source>That car was just taken</source>
        <translation>这辆车刚刚被选走了</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="132"/>
        <source>Sorry, someone else has just taken that car.</source>
        <translation>抱歉，这辆车刚被其他人选走。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="133"/>
        <source>Please choose another model or colour.</source>
        <translation>请选择其他车型或颜色。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="136"/>
        <source>Your reservation timed out</source>
        <translation>预留已超时</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="137"/>
        <source>We hold a car for a few minutes, and that time ran out.</source>
        <translation>我们会为您保留车辆几分钟，现在已超时。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="138"/>
        <location filename="../../ui/messages.py" line="160"/>
        <source>Please start again. It only takes a minute.</source>
        <translation>请重新开始，只需一分钟。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="141"/>
        <source>No car to return</source>
        <translation>没有需要归还的车辆</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="142"/>
        <source>We couldn&apos;t find a test drive car out on this pass.</source>
        <translation>未找到与此通行码关联的试驾车辆。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="143"/>
        <source>If you have a car with you, please ask a member of staff.</source>
        <translation>如果您开来了车辆，请联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="146"/>
        <source>We can&apos;t see your car yet</source>
        <translation>我们还没有检测到您的车辆</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="148"/>
        <source>Please drive the car into a delivery bay and switch off the engine.</source>
        <translation>请将车辆驶入交车位并熄火。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="149"/>
        <source>Then scan your pass again and choose Return a car.</source>
        <translation>然后再次扫描会员码，并选择“还车”。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="152"/>
        <source>Please use a delivery bay</source>
        <translation>请使用交车位</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="153"/>
        <source>The car must stand in one of the delivery bays.</source>
        <translation>车辆必须停放在交车位内。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="154"/>
        <source>Move the car into a delivery bay, then scan again.</source>
        <translation>请将车辆移入交车位，然后再次扫描。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="157"/>
        <source>That took a little too long</source>
        <translation>操作时间有点长</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="159"/>
        <source>For your security, each visit is only valid for a few minutes.</source>
        <translation>为了您的安全，每次办理仅在几分钟内有效。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="163"/>
        <source>We couldn&apos;t find your membership</source>
        <translation>未找到您的会员信息</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="164"/>
        <source>This pass doesn&apos;t belong to an active membership.</source>
        <translation>该通行码不属于有效会员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="166"/>
        <source>Check you&apos;re signed in to the app, or ask a member of staff.</source>
        <translation>请确认已登录 App，或联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="169"/>
        <source>We couldn&apos;t see your face</source>
        <translation>未能看清您的脸</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="170"/>
        <source>The selfie didn&apos;t show a clear face.</source>
        <translation>自拍中没有清晰的人脸。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="171"/>
        <source>You can start again, or ask a member of staff for help.</source>
        <translation>您可以重新开始，或请工作人员帮助。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="174"/>
        <source>One person at a time, please</source>
        <translation>请一次只有一人</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="175"/>
        <source>We saw more than one face in the selfie.</source>
        <translation>自拍中出现了不止一张脸。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="176"/>
        <source>Please start again on your own in front of the camera.</source>
        <translation>请独自站在摄像头前重新开始。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="179"/>
        <source>The car lift has paused</source>
        <translation>升降机已暂停</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="180"/>
        <source>The lift stopped as a safety precaution.</source>
        <translation>为安全起见，升降机已停止运行。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="183"/>
        <location filename="../../ui/messages.py" line="190"/>
        <location filename="../../ui/messages.py" line="198"/>
        <source>Staff have been alerted and will come to help. If your car had not left its bay, it is released and nothing is charged.</source>
        <translation>已通知工作人员，他们会尽快前来协助。如果车辆尚未离开车位，预留将被取消，不会产生任何费用。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="186"/>
        <source>The car lift isn&apos;t answering</source>
        <translation>升降机没有响应</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="187"/>
        <source>We lost contact with the car lift, so it has stopped.</source>
        <translation>与升降机的连接中断，升降机已停止。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="193"/>
        <source>The car lift is taking too long</source>
        <translation>升降机用时过长</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="195"/>
        <source>The lift didn&apos;t finish in the expected time, so it has stopped.</source>
        <translation>升降机未能在预期时间内完成，已停止运行。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="201"/>
        <source>The car lift couldn&apos;t start</source>
        <translation>升降机无法启动</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="202"/>
        <source>The lift declined the move, so nothing moved.</source>
        <translation>升降机拒绝了本次移动，车辆没有移动。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="204"/>
        <source>Staff have been alerted. Your reservation is released and nothing is charged.</source>
        <translation>已通知工作人员。您的预留已取消，不会产生任何费用。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="207"/>
        <source>The emergency stop is still pressed</source>
        <translation>急停按钮仍处于按下状态</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="209"/>
        <source>The lift cannot be reset while its emergency stop button is held in.</source>
        <translation>急停按钮未松开时，升降机无法复位。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="211"/>
        <source>Release the emergency stop at the tower, then acknowledge the fault again.</source>
        <translation>请先在塔楼松开急停按钮，然后再次确认故障。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="214"/>
        <source>The car lift has stopped</source>
        <translation>升降机已停止</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="216"/>
        <source>The lift reported a different car or bay from the one we asked for, so we stopped it.</source>
        <translation>升降机报告的车辆或车位与我们的指令不符，因此我们已将其停止。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="217"/>
        <source>Staff have been alerted and will come to check the cars.</source>
        <translation>已通知工作人员，他们会前来检查车辆。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="220"/>
        <location filename="../../ui/messages.py" line="225"/>
        <source>The camera isn&apos;t working</source>
        <translation>摄像头暂时无法使用</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="221"/>
        <location filename="../../ui/messages.py" line="226"/>
        <source>We can&apos;t see through the camera right now.</source>
        <translation>摄像头目前无法工作。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="230"/>
        <source>We can&apos;t reach our service</source>
        <translation>暂时无法连接服务</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="231"/>
        <source>The kiosk can&apos;t connect to our service right now.</source>
        <translation>本机目前无法连接到我们的服务。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="235"/>
        <source>We can&apos;t reach our service safely</source>
        <translation>暂时无法安全连接服务</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="237"/>
        <source>The kiosk couldn&apos;t confirm it was talking to our service, so it sent nothing.</source>
        <translation>本机无法确认正在连接的是我们的服务，所以未发送任何信息。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="241"/>
        <source>Staff entry is locked</source>
        <translation>员工入口已锁定</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="242"/>
        <source>Too many wrong attempts.</source>
        <translation>错误次数过多。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="243"/>
        <source>Try again in a few minutes.</source>
        <translation>请几分钟后再试。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="246"/>
        <source>Staff entry refused</source>
        <translation>员工验证失败</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="247"/>
        <source>That PIN or badge wasn&apos;t accepted.</source>
        <translation>PIN 码或工牌未通过验证。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="248"/>
        <source>Try again.</source>
        <translation>请重试。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="251"/>
        <source>Staff login needed</source>
        <translation>需要员工登录</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="253"/>
        <source>Changes to the inventory need a staff login checked by the server.</source>
        <translation>修改库存需要经服务器验证的员工登录。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="254"/>
        <source>Log out and log in again once the server is reachable.</source>
        <translation>服务器恢复连接后，请退出并重新登录。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="260"/>
        <source>Something went wrong</source>
        <translation>出了点问题</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="261"/>
        <source>Sorry, the kiosk couldn&apos;t finish that. It&apos;s not your fault.</source>
        <translation>抱歉，本机未能完成操作。这不是您的问题。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="267"/>
        <source>You can take your next test drive from {when}.</source>
        <translation>您可以从 {when} 起再次试驾。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="269"/>
        <source>You can try again from {when}, or ask a member of staff for help.</source>
        <translation>您可以从 {when} 起再试，或请工作人员帮助。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="21"/>
        <source>You&apos;ve driven this model recently</source>
        <translation>您最近试驾过这款车型</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="22"/>
        <source>Your next test drive is of a different model.</source>
        <translation>下一次试驾请选择其他车型。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="23"/>
        <source>Choose another model, or buy this one.</source>
        <translation>请选择其他车型，或购买这款车。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="26"/>
        <source>The payment time ran out</source>
        <translation>付款时间已过</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="28"/>
        <source>The payment wasn&apos;t completed in time. Nothing was charged.</source>
        <translation>付款未能及时完成，未产生任何费用。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="29"/>
        <source>Scan your pass again to start over.</source>
        <translation>请重新扫描会员码，从头开始。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="32"/>
        <source>The payment was cancelled</source>
        <translation>付款已取消</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="33"/>
        <source>The payment was cancelled. Nothing was charged.</source>
        <translation>付款已取消，未产生任何费用。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="34"/>
        <source>Scan your pass again whenever you&apos;re ready.</source>
        <translation>准备好后，请重新扫描会员码。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="39"/>
        <source>You can pay {amount} {currency} for a {days}-day test drive instead, or buy a car.</source>
        <translation>您也可以支付 {amount} {currency} 进行{days}天试驾，或直接购车。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="40"/>
        <source>You drove the {model} on {day}.</source>
        <translation>您已于{day}试驾过{model}。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="43"/>
        <source>Choose another model, or buy the {model}.</source>
        <translation>请选择其他车型，或购买{model}。</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="83"/>
        <source>{km} km range</source>
        <translation>续航 {km} 公里</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="85"/>
        <source>{n} seats</source>
        <translation>{n} 座</translation>
    </message>
    <message>
        <location filename="../../ui/messages_rules.py" line="87"/>
        <source>0–100 km/h in {s} s</source>
        <translation>百公里加速 {s} 秒</translation>
    </message>
</context>
<context>
    <name>RefusedScreen</name>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="311"/>
        <source>What you can do</source>
        <translation>您可以这样做</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="314"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="316"/>
        <source>Pay {amount} {currency}</source>
        <translation>支付 {amount} {currency}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="319"/>
        <source>Return my car</source>
        <translation>归还我的车</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="323"/>
        <source>Buy a car</source>
        <translation>购买汽车</translation>
    </message>
</context>
<context>
    <name>ReturnedScreen</name>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="170"/>
        <source>Thank you! Your car is back</source>
        <translation>谢谢！车辆已归还</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="172"/>
        <source>It&apos;s stored safely in the tower and your test drive is closed.</source>
        <translation>车辆已安全入库，本次试驾已结束。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="179"/>
        <source>Loved the {model}? You can order it now and finish in the app.</source>
        <translation>喜欢这辆{model}吗？现在就可以下单，并在 App 中完成。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="182"/>
        <source>Loved it? You can order this car now and finish in the app.</source>
        <translation>喜欢这辆车吗？现在就可以下单，并在 App 中完成。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="183"/>
        <source>Buy this car</source>
        <translation>购买这辆车</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="184"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>ScanScreen</name>
    <message>
        <location filename="../../ui/screens/scan.py" line="104"/>
        <source>Almost there</source>
        <translation>就差一点</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="111"/>
        <source>Pass found</source>
        <translation>已识别通行码</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="112"/>
        <source>Checking your membership…</source>
        <translation>正在核验会员信息…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="114"/>
        <source>Welcome</source>
        <translation>欢迎您</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="115"/>
        <source>Your pass is accepted. One moment…</source>
        <translation>通行码有效，请稍候…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="117"/>
        <source>Ready when you are</source>
        <translation>准备就绪</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="118"/>
        <source>Hold the QR code inside the frame, about 20 cm from the camera.</source>
        <translation>请将二维码对准框内，距摄像头约 20 厘米。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="127"/>
        <source>Scan your pass to return your car</source>
        <translation>扫描通行码还车</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="129"/>
        <source>Scan your pass to buy a car</source>
        <translation>扫描通行码购车</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="131"/>
        <source>Scan your member pass</source>
        <translation>请扫描会员通行码</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="133"/>
        <source>Open the app, tap Member pass, and show the QR code to the camera.</source>
        <translation>打开 App，点击“会员通行码”，将二维码对准摄像头。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/scan.py" line="134"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>SelfieScreen</name>
    <message>
        <location filename="../../ui/screens/selfie.py" line="229"/>
        <source>Selfie check</source>
        <translation>自拍验证</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="230"/>
        <source>Thank you</source>
        <translation>谢谢</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="231"/>
        <source>We&apos;ll stop the check here</source>
        <translation>验证到此结束</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="220"/>
        <source>One moment…</source>
        <translation>请稍候…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="239"/>
        <source>Step {n} of {total}</source>
        <translation>第 {n} 步，共 {total} 步</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="218"/>
        <location filename="../../ui/screens/selfie.py" line="244"/>
        <source>Getting ready</source>
        <translation>准备中</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="246"/>
        <source>Fit your face in the oval</source>
        <translation>请将脸部放入椭圆框内</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="253"/>
        <source>Then look back at the camera.</source>
        <translation>完成后请重新看向摄像头。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="221"/>
        <location filename="../../ui/screens/selfie.py" line="255"/>
        <source>Look at the camera and hold still</source>
        <translation>请看向摄像头并保持不动</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="232"/>
        <source>Checking your selfie…</source>
        <translation>正在核验您的自拍…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="259"/>
        <source>Time for a quick selfie</source>
        <translation>拍一张快速自拍</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="261"/>
        <source>It confirms it&apos;s really you. It takes about ten seconds.</source>
        <translation>用于确认是您本人，大约需要十秒。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="262"/>
        <source>Take off sunglasses, a hat or a mask.</source>
        <translation>请摘下墨镜、帽子或口罩。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="263"/>
        <source>Stand about an arm&apos;s length from the screen.</source>
        <translation>请站在距屏幕约一臂远的位置。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="264"/>
        <source>We&apos;ll ask you to do two or three simple moves, one at a time.</source>
        <translation>我们会请您依次完成两到三个简单动作。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="265"/>
        <source>Only you in the picture, please.</source>
        <translation>画面中请只有您一人。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="269"/>
        <source>Your photo is only used to confirm it&apos;s you. It is never stored.</source>
        <translation>您的照片仅用于确认身份，不会被保存。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="270"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="271"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="272"/>
        <source>I can&apos;t do this</source>
        <translation>我无法完成</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="273"/>
        <source>No problem, we can help</source>
        <translation>没关系，我们来帮您</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="275"/>
        <source>Please ask a member of staff. They can help you confirm who you are another way.</source>
        <translation>请联系工作人员，他们可以帮您用其他方式确认身份。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="276"/>
        <source>Back to the selfie</source>
        <translation>返回自拍</translation>
    </message>
    <message>
        <location filename="../../ui/screens/selfie.py" line="277"/>
        <source>Finish here</source>
        <translation>结束</translation>
    </message>
</context>
<context>
    <name>ServicePage</name>
    <message>
        <location filename="../../ui/staff/service.py" line="114"/>
        <source>Out of service: members see &quot;temporarily unavailable&quot;.</source>
        <translation>暂停服务：会员会看到“暂时无法使用”。</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="115"/>
        <source>In service: members can use the kiosk.</source>
        <translation>服务中：会员可以使用本机。</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="116"/>
        <source>Put back in service</source>
        <translation>恢复服务</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="117"/>
        <source>Take out of service</source>
        <translation>暂停服务</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="152"/>
        <source>(no log lines)</source>
        <translation>（无日志）</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="161"/>
        <source>Writing the bundle…</source>
        <translation>正在写入诊断包…</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="172"/>
        <source>Saved %1 (%2 KB)</source>
        <translation>已保存 %1（%2 KB）</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="175"/>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="189"/>
        <source>Exit to the desktop?</source>
        <translation>退出到桌面？</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="190"/>
        <source>The kiosk stops serving members until it is started again.</source>
        <translation>在重新启动之前，本机将停止为会员服务。</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="191"/>
        <source>Exit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="198"/>
        <source>Service and exit</source>
        <translation>服务与退出</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="199"/>
        <source>Diagnostics bundle</source>
        <translation>诊断包</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="200"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="201"/>
        <source>Exit closes the kiosk app and shows the desktop.</source>
        <translation>退出会关闭自助机应用并显示桌面。</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="202"/>
        <source>Exit to desktop…</source>
        <translation>退出到桌面…</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="203"/>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="204"/>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="204"/>
        <source>Info</source>
        <translation>信息</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="204"/>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="206"/>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="208"/>
        <source>Serial console</source>
        <translation>串口控制台</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="209"/>
        <source>Send STATUS</source>
        <translation>发送 STATUS</translation>
    </message>
    <message>
        <location filename="../../ui/staff/service.py" line="212"/>
        <source>Logs, settings without secrets, self-test, lift journal, staff audit. Never photos.</source>
        <translation>包含日志、不含密钥的设置、自检结果、升降机日志和员工审计记录，绝不包含照片。</translation>
    </message>
</context>
<context>
    <name>Staff</name>
    <message>
        <location filename="../../ui/messages.py" line="390"/>
        <source>Finish or cancel the customer&apos;s journey first.</source>
        <translation>请先完成或取消客户当前的操作。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="392"/>
        <source>A customer&apos;s car is on the lift. Wait until it has arrived.</source>
        <translation>升降机上有客户的车，请等其到达后再操作。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="393"/>
        <source>Log in with the staff PIN first.</source>
        <translation>请先用员工 PIN 登录。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="394"/>
        <source>Staff entry is not set up on this kiosk.</source>
        <translation>本机未设置员工入口。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="395"/>
        <source>This kiosk does not have that part.</source>
        <translation>本机没有该部件。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="397"/>
        <source>Offline login: changes to the inventory need a login checked by the server.</source>
        <translation>离线登录：修改库存需要经服务器验证的登录。</translation>
    </message>
</context>
<context>
    <name>StaffCode</name>
    <message>
        <location filename="../../ui/messages.py" line="412"/>
        <source>live</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="413"/>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="414"/>
        <source>starting</source>
        <translation>启动中</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="415"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="416"/>
        <source>stalled</source>
        <translation>卡住</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="417"/>
        <source>reopening</source>
        <translation>重新连接中</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="418"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="419"/>
        <source>ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="420"/>
        <source>no frame</source>
        <translation>无画面</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="421"/>
        <source>absent</source>
        <translation>未配置</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="422"/>
        <source>up</source>
        <translation>已连接</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="423"/>
        <source>down</source>
        <translation>已断开</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="424"/>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="425"/>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="426"/>
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="427"/>
        <source>fault</source>
        <translation>故障</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="428"/>
        <source>emergency stop</source>
        <translation>急停</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="429"/>
        <source>door obstructed</source>
        <translation>车门受阻</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="430"/>
        <source>bay sensor mismatch</source>
        <translation>车位传感器不一致</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="431"/>
        <source>overload</source>
        <translation>超载</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="432"/>
        <source>communication lost</source>
        <translation>通信中断</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="433"/>
        <source>open</source>
        <translation>开</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="434"/>
        <source>opening</source>
        <translation>正在打开</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="435"/>
        <source>closed</source>
        <translation>关</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="436"/>
        <source>closing</source>
        <translation>正在关闭</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="437"/>
        <source>obstructed</source>
        <translation>受阻</translation>
    </message>
</context>
<context>
    <name>StaffScreen</name>
    <message>
        <location filename="../../ui/staff/screen.py" line="138"/>
        <source>Auto-logout in %1</source>
        <translation>%1 后自动退出</translation>
    </message>
    <message>
        <location filename="../../ui/staff/screen.py" line="141"/>
        <source>STAFF</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../ui/staff/screen.py" line="142"/>
        <source>Maintenance · kiosk %1</source>
        <translation>维护 · 自助机 %1</translation>
    </message>
    <message>
        <location filename="../../ui/staff/screen.py" line="148"/>
        <source>offline: local work only</source>
        <translation>离线：仅限本机操作</translation>
    </message>
    <message>
        <location filename="../../ui/staff/screen.py" line="149"/>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location filename="../../ui/staff/screen.py" line="150"/>
        <source>Health</source>
        <translation>运行状态</translation>
    </message>
    <message>
        <location filename="../../ui/staff/screen.py" line="150"/>
        <source>Lift</source>
        <translation>升降机</translation>
    </message>
    <message>
        <location filename="../../ui/staff/screen.py" line="151"/>
        <source>Audit</source>
        <translation>盘点</translation>
    </message>
    <message>
        <location filename="../../ui/staff/screen.py" line="152"/>
        <source>Service</source>
        <translation>服务</translation>
    </message>
</context>
<context>
    <name>StillThereOverlay</name>
    <message numerus="yes">
        <location filename="../../ui/chrome.py" line="150"/>
        <source>To keep your details private, we&apos;ll start over in %n second(s).</source>
        <translation>
            <numerusform>为保护您的隐私，%n 秒后将重新开始。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="158"/>
        <source>Still there?</source>
        <translation>还在吗？</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py" line="159"/>
        <source>I&apos;m still here</source>
        <translation>我还在</translation>
    </message>
</context>
<context>
    <name>VerifyScreen</name>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="54"/>
        <source>Checking your details</source>
        <translation>正在核验您的信息</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="56"/>
        <source>We&apos;re confirming your selfie and your membership. This usually takes a few seconds.</source>
        <translation>我们正在确认您的自拍和会员信息，通常只需几秒钟。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/outcomes.py" line="57"/>
        <source>Your car stays reserved for you meanwhile.</source>
        <translation>在此期间，您的车辆会一直为您保留。</translation>
    </message>
</context>
</TS>
