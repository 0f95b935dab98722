// PO-1042's events as Cambium's API returns them today, and the ones its hub broadcasts next.

export const STREAM = 'PO-1042';
const at = (minute) => new Date(Date.UTC(2026, 2, 30, 9, minute)).toISOString();
const event = (version, type, minute, user, data) => ({ stream: STREAM, version, type, time: at(minute), data, meta: { user } });

// What Cambium's API returns for the order today.
export const history = [
  event(1, 'PoCreated', 0, 'ana.silva', { supplier: 'Ergoform Lda.', currency: 'EUR', status: 'draft', total: '0.00', lines: [] }),
  event(2, 'PoLineAdded', 4, 'ana.silva', { lines: [{ sku: 'CH-220', qty: 12, price: '289.00' }], total: '3468.00' }),
  event(3, 'PoSubmitted', 9, 'ana.silva', { status: 'submitted' }),
  event(4, 'PoApproved', 31, 'dana.reyes', { status: 'approved', approvedBy: 'dana.reyes' }),
];
// What the hub broadcasts next, one per click.
export const live = [
  event(5, 'BadgeIssued', 40, 'badge-workflow', { badge: 'B-7781', status: 'ordered' }),
  event(6, 'GoodsReceived', 55, 'joao.costa', { received: 12, status: 'received' }),
  event(7, 'InvoiceMatched', 70, 'finance-bot', { invoice: 'INV-2026-0412', status: 'closed' }),
];


// Badge B-7781, which PO-1042's approval started: its workflow as a second stream.
export const badge = [
  { stream: 'badge-B-7781', version: 1, type: 'BadgeRequested', time: at(32), data: { po: 'PO-1042', holder: 'joao.costa', status: 'requested' }, meta: { user: 'badge-workflow' } },
  { stream: 'badge-B-7781', version: 2, type: 'BadgeApproved', time: at(36), data: { status: 'approved' }, meta: { user: 'dana.reyes' } },
];
