// Every visible string of the UI in Vietnamese (the default) and English, and the number and
// date formatting through Intl (vi-VN / en-GB). Pure: no DOM, no state.

export const locales = ['vi', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'vi';

/** The BCP 47 tag Intl uses for each UI language. */
export const intlLocale: Record<Locale, string> = { vi: 'vi-VN', en: 'en-GB' };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

const vi = {
  'app.name': 'Lanewatch',
  'app.tagline': 'Giám sát băng thông mạng truyền số liệu chuyên dùng',
  'nav.national': 'Toàn quốc',
  'nav.link': 'Đường truyền',
  'nav.label': 'Điều hướng',
  'lang.label': 'Ngôn ngữ',
  'lang.vi': 'VI',
  'lang.en': 'EN',
  'conn.open': 'Trực tuyến',
  'conn.connecting': 'Đang kết nối…',
  'conn.closed': 'Mất kết nối',
  'conn.title': 'Kết nối số liệu trực tuyến',
  'health.influx': 'InfluxDB',
  'health.collector': 'Bộ thu thập',
  'health.ok': 'bình thường',
  'health.unreachable': 'không truy cập được',
  'health.notRunning': 'không chạy',
  'health.none': 'không có',
  'health.unknown': 'chưa rõ',
  'health.devices': '{up}/{total} thiết bị',
  'health.lastPoll': 'lần thu gần nhất {time}',
  'common.loading': 'Đang tải…',
  'common.noData': 'chưa có số liệu',
  'common.dash': '—',
  'common.retry': 'Thử lại',
  'common.stale': 'số liệu cũ',
  'common.updatedAt': 'Cập nhật lúc {time}',
  'error.topology': 'Không tải được cấu hình mạng: {message}',
  'error.history': 'Không tải được số liệu lịch sử: {message}',
  'error.notFound': 'Không có trang “{path}”.',
  'national.title': 'Đường truyền cấp 1 toàn quốc',
  'national.summary': '{low}/{total} tỉnh dưới 60%, {mid} từ 60–80%, {high} trên 80%',
  'national.summaryNoData': '{count} tỉnh chưa có số liệu',
  'national.chartTitle': 'Mức sử dụng tổng của các đường truyền cấp 1 (trực tuyến)',
  'national.empty': 'Cấu hình không có đường truyền cấp 1 nào.',
  'table.caption': 'Các đường truyền cấp 1, số liệu mới nhất',
  'table.province': 'Tỉnh/thành',
  'table.link': 'Đường truyền',
  'table.capacity': 'Dung lượng',
  'table.down': 'Chiều xuống',
  'table.up': 'Chiều lên',
  'table.utilization': 'Mức sử dụng',
  'table.utilDown': 'xuống',
  'table.utilUp': 'lên',
  'table.sortByUtil': 'Sắp xếp theo mức sử dụng',
  'table.sortByProvince': 'Sắp xếp theo tỉnh/thành',
  'band.low': 'dưới 60%',
  'band.mid': '60–80%',
  'band.high': 'từ 80% trở lên',
  'chart.down': 'Chiều xuống',
  'chart.up': 'Chiều lên',
  'chart.capacity': 'Dung lượng',
  'chart.time': 'Thời gian',
  'chart.utilization': 'Mức sử dụng',
  'link.back': '← Toàn quốc',
  'link.province': 'Tỉnh/thành',
  'link.router': 'Bộ định tuyến',
  'link.interface': 'Giao diện',
  'link.tier': 'Cấp',
  'link.tierValue': 'Cấp {tier}',
  'link.capacity': 'Dung lượng',
  'link.downIs': 'Chiều xuống là',
  'link.downIs.out': 'chiều ra (out) của giao diện',
  'link.downIs.in': 'chiều vào (in) của giao diện',
  'link.now': 'Hiện tại',
  'link.chartTitle': 'Lưu lượng 1 giờ qua, tiếp nối trực tuyến',
  'link.notFound': 'Không tìm thấy đường truyền “{id}”.',
  'link.historyPoints': '{count} điểm lịch sử',
  'link.byClass': 'Theo lớp dịch vụ (số liệu mới nhất)',
  'link.class': 'Lớp dịch vụ',
  'link.drops': 'Rớt gói',
  'class.total': 'Tổng',
  'class.internet': 'Internet',
  'class.docex': 'Trao đổi văn bản',
  'class.video': 'Hội nghị truyền hình',
  'class.other': 'Khác',
  'national.provinces': 'tỉnh/thành',
  'chart.reserved': 'Dành riêng (văn bản + truyền hình)',
  'link.classChartTitle': 'Lưu lượng theo lớp dịch vụ, 1 giờ qua, tiếp nối trực tuyến',
  'link.dropChartTitle': 'Rớt gói theo lớp dịch vụ',
  'link.noDrops': 'Thiết bị không báo rớt gói cho đường truyền này.',
  'link.noClasses': 'Chưa có số liệu theo lớp dịch vụ cho đường truyền này.',
  'link.direction': 'Chiều',
  'link.post': 'Sau chính sách',
  'link.pre': 'Trước chính sách',
  'link.reserved': 'Dành riêng',
  'link.reservedBand': 'Dải dành riêng: {rate}',
  'link.reservedNone': 'Thiết bị không báo băng thông dành riêng.',
  'link.unmatchedTitle': 'Lớp QoS không khớp quy tắc nào (tính vào “Khác”)',
  'link.classesLegend': 'Xếp chồng: Internet, trao đổi văn bản, hội nghị truyền hình, khác',
  'nav.province': 'Tỉnh/thành',
  'nav.unmatched': 'Lớp chưa phân loại',
  'province.subtitle': 'Đường truyền cấp 1 về trung tâm và các đường truyền cấp 2 của tỉnh, theo lớp dịch vụ (trực tuyến)',
  'province.notFound': 'Không tìm thấy tỉnh/thành “{id}”.',
  'province.empty': 'Tỉnh/thành này không có đường truyền nào trong cấu hình.',
  'province.caption': 'Đường truyền và lưu lượng theo lớp dịch vụ',
  'province.sparkTitle': '{class}, {dir}: {rate}',
  'unmatched.title': 'Lớp QoS chưa khớp quy tắc',
  'unmatched.intro': 'Các lớp (class-map) và giao diện con mà không quy tắc nào trong classes.yaml khớp. Lưu lượng của chúng được tính vào “Khác”.',
  'unmatched.none': 'Mọi lớp đều khớp một quy tắc.',
  'unmatched.unavailable': 'Máy chủ này không chạy bộ thu thập nên không có ánh xạ QoS.',
  'unmatched.device': 'Thiết bị',
  'unmatched.interface': 'Giao diện',
  'unmatched.direction': 'Chiều',
  'unmatched.className': 'Class-map',
  'unmatched.policy': 'Policy-map',
  'unmatched.link': 'Đường truyền',
  'unmatched.countedAs': 'Tính là',
  'unmatched.countedAsOther': 'Khác',
  'unmatched.count': '{count} lớp',
  'error.qos': 'Không tải được ánh xạ QoS: {message}',
  'nav.alerts': 'Cảnh báo',
  'nav.policies': 'Chính sách',
  'state.label': 'Trạng thái',
  'state.ok': 'Bình thường',
  'state.warning': 'Cảnh báo',
  'state.critical': 'Nghiêm trọng',
  'state.unknown': 'Chưa rõ',
  'state.since': 'từ {time}',
  'state.province': 'Trạng thái của tỉnh',
  'national.tilesTitle': 'Trạng thái 34 tỉnh/thành (trực tuyến)',
  'national.stateSummary': '{warning} cảnh báo, {critical} nghiêm trọng',
  'national.tileTitle': '{name}: {state}; đường truyền cấp 1 {util}',
  'national.tileWorst': '{link} ({dir}): {state}',
  'national.legendState': 'Màu ô: trạng thái; thanh dưới: mức sử dụng đường truyền cấp 1',
  'region.north': 'Miền Bắc',
  'region.central': 'Miền Trung',
  'region.south': 'Miền Nam',
  'region.other': 'Khác',
  'dir.down': 'xuống',
  'dir.up': 'lên',
  'alerts.title': 'Cảnh báo',
  'alerts.intro': 'Mỗi cảnh báo là một đợt của một đường truyền theo một chiều, từ lúc rời trạng thái bình thường đến lúc trở lại.',
  'alerts.filterState': 'Tình trạng',
  'alerts.filterProvince': 'Tỉnh/thành',
  'alerts.all': 'Tất cả',
  'alerts.count': '{count} cảnh báo',
  'alerts.none': 'Không có cảnh báo nào.',
  'alerts.level': 'Mức',
  'alerts.link': 'Đường truyền',
  'alerts.province': 'Tỉnh/thành',
  'alerts.direction': 'Chiều',
  'alerts.raised': 'Phát sinh',
  'alerts.escalated': 'Lên nghiêm trọng',
  'alerts.resolvedAt': 'Kết thúc',
  'alerts.state': 'Tình trạng',
  'alerts.encroach': 'Internet lấn',
  'alerts.ack': 'Xác nhận',
  'alerts.ackBy': '{name}, {time}',
  'alerts.ackName': 'Tên người xác nhận',
  'alerts.ackConfirm': 'Xác nhận',
  'alerts.cancel': 'Huỷ',
  'alerts.nameInvalid': 'Nhập tên (1–100 ký tự).',
  'episode.open': 'Đang mở',
  'episode.acknowledged': 'Đã xác nhận',
  'episode.resolved': 'Đã kết thúc',
  'error.alerts': 'Không tải được danh sách cảnh báo: {message}',
  'error.ack': 'Không xác nhận được: {message}',
  'policies.title': 'Chính sách dành riêng băng thông',
  'policies.intro': 'Các lớp chính sách: mặc định → cấp → tỉnh/thành → đường truyền. Mục nào không ghi thì kế thừa từ lớp trên. Mức dành riêng: {"mbps": số} hoặc {"percent": số}.',
  'policies.revision': 'Phiên bản {revision}',
  'policies.editor': 'Tài liệu chính sách (JSON)',
  'policies.validating': 'Đang kiểm tra…',
  'policies.valid': 'Hợp lệ',
  'policies.problems': '{count} lỗi',
  'policies.jsonError': 'JSON không hợp lệ: {message}',
  'policies.line': 'dòng {line}',
  'policies.addOverride': 'Thêm ghi đè',
  'policies.scope': 'Phạm vi',
  'policies.scope.provinces': 'Tỉnh/thành',
  'policies.scope.links': 'Đường truyền',
  'policies.class': 'Lớp',
  'policies.amount': 'Mức dành riêng',
  'policies.unit': 'Đơn vị',
  'policies.unit.mbps': 'Mbit/s',
  'policies.unit.percent': '% dung lượng',
  'policies.add': 'Thêm vào tài liệu',
  'policies.diff': 'Thay đổi so với phiên bản hiện tại',
  'policies.noChanges': 'Chưa có thay đổi.',
  'policies.path': 'Khoá',
  'policies.before': 'Trước',
  'policies.after': 'Sau',
  'policies.author': 'Người sửa',
  'policies.comment': 'Ghi chú',
  'policies.save': 'Lưu phiên bản mới',
  'policies.saving': 'Đang lưu…',
  'policies.saved': 'Đã lưu phiên bản {revision}.',
  'policies.discard': 'Bỏ thay đổi',
  'policies.conflict': 'Người khác đã lưu phiên bản {revision} trong lúc bạn sửa. Thay đổi của bạn chưa được lưu và vẫn còn trong ô soạn thảo.',
  'policies.reload': 'Tải phiên bản mới (bỏ thay đổi của tôi)',
  'policies.history': 'Lịch sử phiên bản',
  'policies.when': 'Thời điểm',
  'policies.who': 'Người sửa',
  'policies.changes': 'Thay đổi',
  'policies.changeCount': '{count} thay đổi',
  'policies.changeCountOne': '1 thay đổi',
  'policies.problemsOne': '1 lỗi',
  'alerts.countOne': '1 cảnh báo',
  'policies.rollback': 'Khôi phục',
  'policies.rollbackOf': 'khôi phục phiên bản {revision}',
  'policies.current': 'hiện hành',
  'policies.rolledBack': 'Đã khôi phục phiên bản {from} thành phiên bản {revision}.',
  'policies.nameNeeded': 'Nhập tên người sửa (1–100 ký tự).',
  'policies.effective': 'Chính sách hiệu lực của một đường truyền',
  'policies.link': 'Đường truyền',
  'policies.field': 'Mục',
  'policies.value': 'Giá trị',
  'policies.from': 'Lấy từ',
  'policies.capacity': 'Dung lượng',
  'policies.reservedTotal': 'Tổng dành riêng',
  'policies.internetCap': 'Giới hạn Internet',
  'policies.noCap': 'không giới hạn',
  'policies.samples': '{count} mẫu',
  'layer.defaults': 'mặc định',
  'layer.tier': 'cấp',
  'layer.province': 'tỉnh/thành',
  'layer.link': 'đường truyền',
  'threshold.highUtil': 'Ngưỡng bận',
  'threshold.critUtil': 'Ngưỡng nghiêm trọng',
  'threshold.dropRatio': 'Tỉ lệ rớt gói',
  'threshold.raiseAfter': 'Vào trạng thái sau',
  'threshold.clearAfter': 'Thoát trạng thái sau',
  'policies.drift': 'So với cấu hình QoS trên thiết bị',
  'drift.policy': 'Theo chính sách',
  'drift.router': 'Thiết bị dành riêng',
  'drift.status': 'Kết quả',
  'drift.status.ok': 'khớp',
  'drift.status.differs': 'khác chính sách',
  'drift.status.no-queue': 'không có hàng đợi',
  'drift.status.unknown': 'không có số liệu QoS',
  'drift.none': 'Không có số liệu so sánh.',
  'error.policies': 'Không tải được chính sách: {message}',
  'error.save': 'Không lưu được: {message}',
  'error.effective': 'Không tải được chính sách hiệu lực: {message}',
  'error.drift': 'Không tải được so sánh với thiết bị: {message}',
} as const;

export type MessageKey = keyof typeof vi;
export type Messages = Record<MessageKey, string>;

const en: Messages = {
  'app.name': 'Lanewatch',
  'app.tagline': 'Bandwidth monitor for the dedicated government data network',
  'nav.national': 'National',
  'nav.link': 'Link',
  'nav.label': 'Navigation',
  'lang.label': 'Language',
  'lang.vi': 'VI',
  'lang.en': 'EN',
  'conn.open': 'Live',
  'conn.connecting': 'Connecting…',
  'conn.closed': 'Disconnected',
  'conn.title': 'Live data connection',
  'health.influx': 'InfluxDB',
  'health.collector': 'Collector',
  'health.ok': 'ok',
  'health.unreachable': 'unreachable',
  'health.notRunning': 'not running',
  'health.none': 'none',
  'health.unknown': 'unknown',
  'health.devices': '{up}/{total} devices',
  'health.lastPoll': 'last poll {time}',
  'common.loading': 'Loading…',
  'common.noData': 'no data',
  'common.dash': '—',
  'common.retry': 'Retry',
  'common.stale': 'stale',
  'common.updatedAt': 'Updated {time}',
  'error.topology': 'Could not load the network topology: {message}',
  'error.history': 'Could not load the history: {message}',
  'error.notFound': 'There is no page “{path}”.',
  'national.title': 'National tier-1 links',
  'national.summary': '{low}/{total} provinces under 60%, {mid} at 60–80%, {high} at 80% or over',
  'national.summaryNoData': '{count} provinces without data',
  'national.chartTitle': 'Total utilization of the tier-1 links (live)',
  'national.empty': 'The configuration has no tier-1 links.',
  'table.caption': 'Tier-1 links, latest sample',
  'table.province': 'Province',
  'table.link': 'Link',
  'table.capacity': 'Capacity',
  'table.down': 'Down',
  'table.up': 'Up',
  'table.utilization': 'Utilization',
  'table.utilDown': 'down',
  'table.utilUp': 'up',
  'table.sortByUtil': 'Sort by utilization',
  'table.sortByProvince': 'Sort by province',
  'band.low': 'under 60%',
  'band.mid': '60–80%',
  'band.high': '80% or over',
  'chart.down': 'Down',
  'chart.up': 'Up',
  'chart.capacity': 'Capacity',
  'chart.time': 'Time',
  'chart.utilization': 'Utilization',
  'link.back': '← National',
  'link.province': 'Province',
  'link.router': 'Router',
  'link.interface': 'Interface',
  'link.tier': 'Tier',
  'link.tierValue': 'Tier {tier}',
  'link.capacity': 'Capacity',
  'link.downIs': 'Down is',
  'link.downIs.out': 'the interface’s out direction',
  'link.downIs.in': 'the interface’s in direction',
  'link.now': 'Now',
  'link.chartTitle': 'Traffic over the last hour, continued live',
  'link.notFound': 'No link “{id}”.',
  'link.historyPoints': '{count} history points',
  'link.byClass': 'By service class (latest sample)',
  'link.class': 'Service class',
  'link.drops': 'Drops',
  'class.total': 'Total',
  'class.internet': 'Internet',
  'class.docex': 'Document exchange',
  'class.video': 'Video conferencing',
  'class.other': 'Other',
  'national.provinces': 'provinces',
  'chart.reserved': 'Reserved (docex + video)',
  'link.classChartTitle': 'Traffic by service class over the last hour, continued live',
  'link.dropChartTitle': 'Drops by service class',
  'link.noDrops': 'The router reports no drops on this link.',
  'link.noClasses': 'No per-class data for this link yet.',
  'link.direction': 'Direction',
  'link.post': 'Post-policy',
  'link.pre': 'Pre-policy',
  'link.reserved': 'Reserved',
  'link.reservedBand': 'Reserved band: {rate}',
  'link.reservedNone': 'The router reports no reservation.',
  'link.unmatchedTitle': 'QoS classes no rule matched (counted as “Other”)',
  'link.classesLegend': 'Stacked: Internet, document exchange, video conferencing, other',
  'nav.province': 'Province',
  'nav.unmatched': 'Unmatched classes',
  'province.subtitle': 'The tier-1 uplink to the centre and the province’s tier-2 links, by service class (live)',
  'province.notFound': 'No province “{id}”.',
  'province.empty': 'This province has no links in the configuration.',
  'province.caption': 'Links and traffic by service class',
  'province.sparkTitle': '{class}, {dir}: {rate}',
  'unmatched.title': 'Unmatched QoS classes',
  'unmatched.intro': 'Class-maps and sub-interfaces that no rule of classes.yaml matched. Their traffic is counted as “Other”.',
  'unmatched.none': 'Every class matches a rule.',
  'unmatched.unavailable': 'No collector runs in this server process, so there is no QoS mapping.',
  'unmatched.device': 'Device',
  'unmatched.interface': 'Interface',
  'unmatched.direction': 'Direction',
  'unmatched.className': 'Class-map',
  'unmatched.policy': 'Policy-map',
  'unmatched.link': 'Link',
  'unmatched.countedAs': 'Counted as',
  'unmatched.countedAsOther': 'Other',
  'unmatched.count': '{count} classes',
  'error.qos': 'Could not load the QoS mapping: {message}',
  'nav.alerts': 'Alerts',
  'nav.policies': 'Policies',
  'state.label': 'State',
  'state.ok': 'OK',
  'state.warning': 'Warning',
  'state.critical': 'Critical',
  'state.unknown': 'Unknown',
  'state.since': 'since {time}',
  'state.province': 'Province state',
  'national.tilesTitle': 'The 34 provinces’ states (live)',
  'national.stateSummary': '{warning} warning, {critical} critical',
  'national.tileTitle': '{name}: {state}; tier-1 uplink {util}',
  'national.tileWorst': '{link} ({dir}): {state}',
  'national.legendState': 'Tile colour: state; bar: tier-1 uplink utilization',
  'region.north': 'North',
  'region.central': 'Central',
  'region.south': 'South',
  'region.other': 'Other',
  'dir.down': 'down',
  'dir.up': 'up',
  'alerts.title': 'Alerts',
  'alerts.intro': 'Each alert is an episode of one link in one direction, from the moment it leaves OK until it is back.',
  'alerts.filterState': 'Status',
  'alerts.filterProvince': 'Province',
  'alerts.all': 'All',
  'alerts.count': '{count} alerts',
  'alerts.none': 'No alerts.',
  'alerts.level': 'Level',
  'alerts.link': 'Link',
  'alerts.province': 'Province',
  'alerts.direction': 'Direction',
  'alerts.raised': 'Raised',
  'alerts.escalated': 'Escalated',
  'alerts.resolvedAt': 'Resolved',
  'alerts.state': 'Status',
  'alerts.encroach': 'Internet encroaches',
  'alerts.ack': 'Acknowledge',
  'alerts.ackBy': '{name}, {time}',
  'alerts.ackName': 'Your name',
  'alerts.ackConfirm': 'Acknowledge',
  'alerts.cancel': 'Cancel',
  'alerts.nameInvalid': 'Enter a name (1–100 characters).',
  'episode.open': 'Open',
  'episode.acknowledged': 'Acknowledged',
  'episode.resolved': 'Resolved',
  'error.alerts': 'Could not load the alerts: {message}',
  'error.ack': 'Could not acknowledge: {message}',
  'policies.title': 'Reservation policies',
  'policies.intro': 'Policy layers: defaults → tier → province → link. Anything a layer leaves out is inherited from the one above. A reservation is {"mbps": n} or {"percent": n}.',
  'policies.revision': 'Revision {revision}',
  'policies.editor': 'Policy document (JSON)',
  'policies.validating': 'Checking…',
  'policies.valid': 'Valid',
  'policies.problems': '{count} problems',
  'policies.jsonError': 'Invalid JSON: {message}',
  'policies.line': 'line {line}',
  'policies.addOverride': 'Add an override',
  'policies.scope': 'Scope',
  'policies.scope.provinces': 'Province',
  'policies.scope.links': 'Link',
  'policies.class': 'Class',
  'policies.amount': 'Reservation',
  'policies.unit': 'Unit',
  'policies.unit.mbps': 'Mbit/s',
  'policies.unit.percent': '% of capacity',
  'policies.add': 'Add to the document',
  'policies.diff': 'Changes against the current revision',
  'policies.noChanges': 'No changes yet.',
  'policies.path': 'Key',
  'policies.before': 'Before',
  'policies.after': 'After',
  'policies.author': 'Author',
  'policies.comment': 'Comment',
  'policies.save': 'Save a new revision',
  'policies.saving': 'Saving…',
  'policies.saved': 'Saved revision {revision}.',
  'policies.discard': 'Discard changes',
  'policies.conflict': 'Someone else saved revision {revision} while you were editing. Your changes were not saved and are still in the editor.',
  'policies.reload': 'Load the new revision (discard my changes)',
  'policies.history': 'Revision history',
  'policies.when': 'When',
  'policies.who': 'Author',
  'policies.changes': 'Changes',
  'policies.changeCount': '{count} changes',
  'policies.changeCountOne': '1 change',
  'policies.problemsOne': '1 problem',
  'alerts.countOne': '1 alert',
  'policies.rollback': 'Roll back',
  'policies.rollbackOf': 'rollback of revision {revision}',
  'policies.current': 'current',
  'policies.rolledBack': 'Restored revision {from} as revision {revision}.',
  'policies.nameNeeded': 'Enter the author’s name (1–100 characters).',
  'policies.effective': 'Effective policy of a link',
  'policies.link': 'Link',
  'policies.field': 'Field',
  'policies.value': 'Value',
  'policies.from': 'From',
  'policies.capacity': 'Capacity',
  'policies.reservedTotal': 'Total reserved',
  'policies.internetCap': 'Internet cap',
  'policies.noCap': 'no cap',
  'policies.samples': '{count} samples',
  'layer.defaults': 'defaults',
  'layer.tier': 'tier',
  'layer.province': 'province',
  'layer.link': 'link',
  'threshold.highUtil': 'Busy threshold',
  'threshold.critUtil': 'Critical threshold',
  'threshold.dropRatio': 'Drop ratio',
  'threshold.raiseAfter': 'Enter state after',
  'threshold.clearAfter': 'Leave state after',
  'policies.drift': 'Against the router’s QoS configuration',
  'drift.policy': 'Policy',
  'drift.router': 'Router reserves',
  'drift.status': 'Result',
  'drift.status.ok': 'matches',
  'drift.status.differs': 'differs from the policy',
  'drift.status.no-queue': 'no queue',
  'drift.status.unknown': 'no QoS data',
  'drift.none': 'Nothing to compare.',
  'error.policies': 'Could not load the policies: {message}',
  'error.save': 'Could not save: {message}',
  'error.effective': 'Could not load the effective policy: {message}',
  'error.drift': 'Could not load the comparison with the router: {message}',
};

export const messages: Record<Locale, Messages> = { vi, en };

export type MessageParams = Readonly<Record<string, string | number>>;

/** The message for `key` in `locale`, with `{name}` placeholders filled from `params`. */
export function translate(locale: Locale, key: MessageKey, params?: MessageParams): string {
  const template = messages[locale][key];
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatCount(value, locale) : value;
  });
}

const bitRateUnits = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'] as const;

/**
 * Picks the SI unit (powers of 1000, from bit/s up) so that the shown value, once rounded to
 * `fractionDigits`, stays under 1000: 999 960 bit/s with one digit is "1,0 Mbit/s", not
 * "1.000,0 kbit/s".
 */
export function scaleBitRate(
  bitsPerSecond: number,
  fractionDigits: number,
  minUnitIndex = 0,
): { value: number; unit: string } {
  const rounding = 10 ** fractionDigits;
  let index = Math.min(Math.max(minUnitIndex, 0), bitRateUnits.length - 1);
  let value = Math.abs(bitsPerSecond) / 1000 ** index;
  while (index < bitRateUnits.length - 1 && Math.round(value * rounding) / rounding >= 1000) {
    value /= 1000;
    index += 1;
  }
  return { value: Math.sign(bitsPerSecond) * value, unit: bitRateUnits[index] ?? 'bit/s' };
}

function numberFormat(locale: Locale, minimumFractionDigits: number, maximumFractionDigits: number): Intl.NumberFormat {
  return new Intl.NumberFormat(intlLocale[locale], { minimumFractionDigits, maximumFractionDigits });
}

/** A rate with one decimal: "123,4 Mbit/s" (vi), "123.4 Mbit/s" (en); "—" when unknown. */
export function formatBitRate(bitsPerSecond: number | null | undefined, locale: Locale): string {
  if (bitsPerSecond === null || bitsPerSecond === undefined || !Number.isFinite(bitsPerSecond)) {
    return messages[locale]['common.dash'];
  }
  // Plain bit/s have no meaningful decimals; from 1 kbit/s on, one decimal.
  if (Math.abs(bitsPerSecond) < 999.5) return `${numberFormat(locale, 0, 0).format(bitsPerSecond)} bit/s`;
  const { value, unit } = scaleBitRate(bitsPerSecond, 1, 1);
  return `${numberFormat(locale, 1, 1).format(value)} ${unit}`;
}

/** A capacity without trailing zeros: "100 Mbit/s", "1 Gbit/s", "2,5 Gbit/s". */
export function formatCapacity(capacityBps: number | null | undefined, locale: Locale): string {
  if (capacityBps === null || capacityBps === undefined || !Number.isFinite(capacityBps)) {
    return messages[locale]['common.dash'];
  }
  const { value, unit } = scaleBitRate(capacityBps, 1);
  return `${numberFormat(locale, 0, 1).format(value)} ${unit}`;
}

/** A utilization (0..1) as a percentage with one decimal: "45,3%" (vi), "45.3%" (en). */
export function formatUtilization(utilization: number | null | undefined, locale: Locale): string {
  if (utilization === null || utilization === undefined || !Number.isFinite(utilization)) {
    return messages[locale]['common.dash'];
  }
  return new Intl.NumberFormat(intlLocale[locale], {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(utilization);
}

/** A whole number with the locale's grouping: "3.300" (vi), "3,300" (en). */
export function formatCount(count: number, locale: Locale): string {
  return new Intl.NumberFormat(intlLocale[locale], { maximumFractionDigits: 0 }).format(count);
}

/** Wall-clock time of an epoch-ms instant in the browser's time zone: "14:05:09". */
export function formatTime(atMs: number, locale: Locale, timeZone?: string): string {
  return new Intl.DateTimeFormat(intlLocale[locale], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(new Date(atMs));
}

/** Hours and minutes only, for chart axes: "14:05". */
export function formatClock(atMs: number, locale: Locale, timeZone?: string): string {
  return new Intl.DateTimeFormat(intlLocale[locale], {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(new Date(atMs));
}

/** Date and time of an epoch-ms instant: "14:05:09 23/11/2026" (vi), "23/11/2026, 14:05:09" (en). */
export function formatDateTime(atMs: number, locale: Locale, timeZone?: string): string {
  return new Intl.DateTimeFormat(intlLocale[locale], {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(new Date(atMs));
}

/** The day of an epoch-ms instant: "23/11/2026". */
export function formatDate(atMs: number, locale: Locale, timeZone?: string): string {
  return new Intl.DateTimeFormat(intlLocale[locale], {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(new Date(atMs));
}

/** The UI's formatting bound to one language; what components receive. */
export interface Translator {
  locale: Locale;
  t: (key: MessageKey, params?: MessageParams) => string;
  bitRate: (bitsPerSecond: number | null | undefined) => string;
  capacity: (capacityBps: number | null | undefined) => string;
  utilization: (utilization: number | null | undefined) => string;
  count: (count: number) => string;
  time: (atMs: number) => string;
  clock: (atMs: number) => string;
  dateTime: (atMs: number) => string;
  date: (atMs: number) => string;
}

export function createTranslator(locale: Locale): Translator {
  return {
    locale,
    t: (key, params) => translate(locale, key, params),
    bitRate: (bitsPerSecond) => formatBitRate(bitsPerSecond, locale),
    capacity: (capacityBps) => formatCapacity(capacityBps, locale),
    utilization: (utilization) => formatUtilization(utilization, locale),
    count: (count) => formatCount(count, locale),
    time: (atMs) => formatTime(atMs, locale),
    clock: (atMs) => formatClock(atMs, locale),
    dateTime: (atMs) => formatDateTime(atMs, locale),
    date: (atMs) => formatDate(atMs, locale),
  };
}
