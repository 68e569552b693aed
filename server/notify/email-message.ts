// The alert e-mail (pure): Vietnamese subject and body, with one English line for the
// engineers who read English tools, built from a notification payload.
import type { NotificationPayload } from '../alerts/model.ts';

export interface EmailContent {
  subject: string;
  text: string;
  /** Deterministic: the same notification always has the same Message-ID (a repeat can be spotted). */
  messageId: string;
}

const dirVi = { down: 'chiều xuống (về tỉnh)', up: 'chiều lên (về trung tâm)' } as const;
const levelVi = { warning: 'cảnh báo (nguy cơ)', critical: 'nghiêm trọng (bị chèn ép)' } as const;
const levelEn = { warning: 'warning (at risk)', critical: 'critical (squeezed)' } as const;

function formatMbps(bitsPerSecond: number): string {
  const mbps = bitsPerSecond / 1e6;
  return `${mbps >= 100 ? mbps.toFixed(0) : mbps.toFixed(1)} Mbps`;
}

function percent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** `dd/mm/yyyy hh:mm:ss` in Vietnam time (UTC+7, no daylight saving). */
export function formatVietnamTime(atMs: number): string {
  const d = new Date(atMs + 7 * 3_600_000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} (UTC+7)`;
}

function subjectOf(payload: NotificationPayload, provinceName: string): string {
  const { episode } = payload;
  const where = `${provinceName} – đường ${episode.link}, ${dirVi[episode.dir]}`;
  switch (payload.kind) {
    case 'raise':
      return episode.level === 'critical'
        ? `[Lanewatch] NGHIÊM TRỌNG: ${where}: Internet chèn ép băng thông dành riêng`
        : `[Lanewatch] Cảnh báo: ${where}: Internet lấn vào băng thông dành riêng`;
    case 'escalate':
      return `[Lanewatch] NGHIÊM TRỌNG: ${where}: lưu lượng văn bản/hội nghị bị chèn ép`;
    case 'resolve':
      return `[Lanewatch] Đã trở lại bình thường: ${where}`;
  }
}

function englishLine(payload: NotificationPayload, provinceName: string): string {
  const { episode, verdict } = payload;
  const what =
    payload.kind === 'resolve'
      ? 'is back to ok'
      : payload.kind === 'escalate'
        ? 'escalated to critical (squeezed)'
        : `raised: ${levelEn[episode.level]}`;
  return (
    `English: Lanewatch alert ${episode.id}: link ${episode.link} (${episode.dir}) in ${provinceName} ${what}; ` +
    `total ${formatMbps(verdict.totalBps)} of ${formatMbps(verdict.capacityBps)}, Internet ${formatMbps(verdict.internetBps)}, ` +
    `${formatMbps(verdict.encroachBps)} into ${formatMbps(verdict.reservedBps)} reserved.`
  );
}

/** Pure: the e-mail for one notification. */
export function composeEmail(payload: NotificationPayload, provinceName: string, domain = 'lanewatch.invalid'): EmailContent {
  const { episode, verdict } = payload;
  const utilization = verdict.capacityBps > 0 ? verdict.totalBps / verdict.capacityBps : 0;
  const drops = Object.entries(verdict.dropRatio)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([cls, ratio]) => `${cls === 'docex' ? 'văn bản (docex)' : 'hội nghị truyền hình (video)'} ${percent(ratio, 2)}`);
  const lines = [
    payload.kind === 'resolve'
      ? 'Sự cố băng thông đã kết thúc: lưu lượng Internet không còn lấn vào phần băng thông dành riêng.'
      : 'Lưu lượng Internet đang lấn vào phần băng thông dành riêng cho trao đổi văn bản và hội nghị truyền hình.',
    '',
    `Tỉnh/thành phố: ${provinceName} (${episode.province})`,
    `Đường truyền: ${episode.link}, tuyến cấp ${episode.tier}, ${dirVi[episode.dir]}`,
    `Mức độ: ${payload.kind === 'resolve' ? `đã khôi phục (mức cao nhất: ${levelVi[episode.level]})` : levelVi[episode.level]}`,
    `Phát hiện lúc: ${formatVietnamTime(episode.raisedAtMs)}`,
    ...(episode.escalatedAtMs !== undefined ? [`Chuyển nghiêm trọng lúc: ${formatVietnamTime(episode.escalatedAtMs)}`] : []),
    ...(episode.acknowledgedAtMs !== undefined
      ? [`Đã xác nhận bởi: ${episode.acknowledgedBy ?? '?'} lúc ${formatVietnamTime(episode.acknowledgedAtMs)}`]
      : []),
    ...(episode.resolvedAtMs !== undefined ? [`Khôi phục lúc: ${formatVietnamTime(episode.resolvedAtMs)}`] : []),
    `Tổng lưu lượng: ${formatMbps(verdict.totalBps)} / dung lượng ${formatMbps(verdict.capacityBps)} (${percent(utilization)})`,
    `Internet: ${formatMbps(verdict.internetBps)}; lấn vào phần dành riêng: ${formatMbps(verdict.encroachBps)} (dành riêng ${formatMbps(verdict.reservedBps)})`,
    ...(drops.length > 0 ? [`Tỷ lệ mất gói: ${drops.join(', ')}`] : []),
    `Mã sự cố: ${episode.id}`,
    '',
    englishLine(payload, provinceName),
    '',
  ];
  const safeId = payload.deliveryId.replace(/[^A-Za-z0-9._-]/g, '_');
  return { subject: subjectOf(payload, provinceName), text: lines.join('\n'), messageId: `<${safeId}@${domain}>` };
}
