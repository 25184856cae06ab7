// The websocket protocol as the page sees it: JSDoc typedefs mirroring app/protocol.py (a test
// compares their fields with the models') and the decoder for binary frames (docs/protocol.md,
// "Server → client, binary frame").

export const PROTOCOL_VERSION = 2;
const MAGIC = 'MLPF';

/**
 * @typedef {{units: number, activation: string, dropout: number}} LayerSpec
 * @typedef {{
 *   task: 'binary'|'multiclass'|'regression', dataset: string, n_points: number, noise: number,
 *   train_share: number, classes: number, data_seed: number, features: string[],
 *   layers: LayerSpec[], loss: string, init: string, seed: number, optimizer: string,
 *   learning_rate: number, momentum: number, beta1: number, beta2: number, rho: number,
 *   regularization: string, regularization_rate: number, batch_size: number, speed: number,
 *   grid: number, neuron_grid: number, frame_rate: number
 * }} Config
 * @typedef {{type: 'hello', version: number, compress?: boolean}} ClientHello
 * @typedef {{type: 'ack', seq: number}} Ack  sent for every frame received (flow control)
 * @typedef {{type: 'configure', config: Partial<Config>}} Configure
 * @typedef {{type: 'play'} | {type: 'pause'} | {type: 'clear_points'}} Bare
 * @typedef {{type: 'step', epochs?: number}} Step
 * @typedef {{type: 'reset', seed?: number} | {type: 'regenerate', seed?: number}} Reseed
 * @typedef {{type: 'set_weight', layer: number, source: number, target: number, value: number}} SetWeight
 * @typedef {{type: 'set_bias', layer: number, neuron: number, value: number}} SetBias
 * @typedef {{w: number[][], b: number[], slopes?: number[]|null}} DenseWeights
 * @typedef {{type: 'set_weights', layers: DenseWeights[], epoch?: number|null}} SetWeights
 * @typedef {{type: 'add_points', points: [number, number, number][]}} AddPoints
 * @typedef {{type: 'remove_points', x1: number, x2: number, radius?: number}} RemovePoints
 * @typedef {{type: 'load_csv', text: string}} LoadCsv
 * @typedef {{type: 'views', views?: ('gradients'|'units'|'linear'|'dropout'|'point')[], lesson?: string|null,
 *   step?: number|null, point?: [number, number]|null}} Views  which optional views frames carry (docs/protocol.md)
 * @typedef {{type: 'export', format: 'numpy'|'notebook'|'pytorch'|'keras'|'weights'}} Export
 * @typedef {{type: 'travel', epoch: number|null}} Travel  show a past epoch (null: the present)
 * @typedef {{type: 'branch'}} Branch  continue from the epoch shown
 * @typedef {{type: 'stop_at', epoch?: number|null, test_loss_below?: number|null}} StopAt
 * @typedef {{
 *   dataset: string, noise: number, n_points: number, classes: number|null, max_neurons: number|null,
 *   max_layers: number|null, epoch_budget: number|null, deadline_seconds: number|null,
 *   rank_by: 'test_loss'|'test_accuracy'
 * }} ChallengeSpec
 * @typedef {{type: 'create_room', teacher?: string}} CreateRoom  rooms (docs/protocol.md, "Rooms")
 * @typedef {{type: 'teacher_room', code: string, token: string, present?: boolean}} TeacherRoom
 * @typedef {{type: 'join_room', code: string, name: string}} JoinRoom
 * @typedef {{type: 'rejoin_room', code: string, token: string}} RejoinRoom
 * @typedef {{type: 'push_setup', weights?: 'initial'|'current', locked?: string[]}} PushSetup
 * @typedef {{type: 'push_view', fragment: string}} PushView
 * @typedef {{type: 'spotlight', student_id: string|null}} SpotlightStudent
 * @typedef {{type: 'adopt', student_id: string}} Adopt
 * @typedef {{type: 'start_challenge', spec: Partial<ChallengeSpec>}} StartChallenge
 * @typedef {{type: 'end_class', message?: string}} EndClass
 * @typedef {{type: 'leave_room'} | {type: 'reset_leaderboard'} | {type: 'submit'} | {type: 'fork'} | {type: 'follow'}} RoomBare
 * @typedef {CreateRoom|TeacherRoom|JoinRoom|RejoinRoom|PushSetup|PushView|SpotlightStudent|Adopt|StartChallenge|EndClass|RoomBare} RoomCommand
 * @typedef {ClientHello|Ack|Configure|Bare|Step|Reseed|SetWeight|SetBias|SetWeights|AddPoints|RemovePoints|LoadCsv|Views|Export|Travel|Branch|StopAt|RoomCommand} ClientMessage
 * @typedef {{
 *   join_link: string, qr_svg: string, on_network: boolean, urls: string[], command: string|null,
 *   message: string
 * }} Share
 * @typedef {{spec: ChallengeSpec, started: number, deadline: number|null}} ChallengeInfo
 * @typedef {{student_id: string, name: string}} SpotlightInfo
 * @typedef {{
 *   type: 'room', code: string, role: 'teacher'|'follower'|'student', name: string|null,
 *   student_id: string|null, token: string|null, teacher_link: string|null, teacher: string,
 *   presenting: boolean, commands: string[], locked: string[], share: Share,
 *   challenge: ChallengeInfo|null, spotlight: SpotlightInfo|null, server_time: number
 * }} RoomMessage
 * @typedef {{
 *   type: 'room_event', event: string, student_id: string|null, name: string|null,
 *   mode: 'teacher'|'follower'|'student'|null, message: string
 * }} RoomEvent
 * @typedef {{type: 'room_closed', reason: 'ended'|'expired'|'left', message: string}} RoomClosed
 * @typedef {{type: 'view', fragment: string}} ViewMessage  open it as a link's hash
 * @typedef {{type: 'challenge', challenge: ChallengeInfo|null, server_time: number}} ChallengeMessage
 * @typedef {{
 *   student_id: string, name: string, test_loss: number|null, test_accuracy: number|null,
 *   parameters: number, epochs: number, at: number
 * }} LeaderboardRow
 * @typedef {{type: 'leaderboard', rank_by: 'test_loss'|'test_accuracy', entries: LeaderboardRow[]}} LeaderboardMessage
 * @typedef {{type: 'submitted', entry: LeaderboardRow, best: LeaderboardRow, rank: number}} SubmittedMessage
 * @typedef {{task: string, shape: number[], lo: number[], hi: number[], cells: string}} Thumbnail  cells: base64 u8
 * @typedef {{
 *   student_id: string, name: string, epoch: number, test_loss: number|null,
 *   test_accuracy: number|null, parameters: number, layers: number[], thumbnail: Thumbnail, at: number
 * }} GalleryTile
 * @typedef {{type: 'gallery', full: boolean, entries: GalleryTile[]}} GalleryMessage
 * @typedef {{type: 'spotlight_message', student_id: string, message: ConfigMessage|DataMessage|Status}} SpotlightMessage  the spotlighted student's session
 * @typedef {{type: 'hello', version: number, session: string, worker: number, config: Config}} ServerHello
 * @typedef {{type: 'config', config: Config, rebuilt: string[], message: string}} ConfigMessage
 * @typedef {{
 *   type: 'data', revision: number, task: string, dataset: string, classes: number,
 *   one_d: boolean, domain: [number, number], targets: number, train: number[][], test: number[][]
 * }} DataMessage
 * @typedef {{field: string, layer: number|null, before: string|null, after: string|null}} Change
 * @typedef {{
 *   epoch: number, loss: number|null, best_epoch: number|null, best_loss: number|null,
 *   cause: 'edit'|'learning_rate', change: Change|null, learning_rate: number,
 *   suggested_learning_rate: number|null
 * }} Divergence
 * @typedef {{kind: 'epoch'|'test_loss', value: number, below: number|null}} Stopped
 * @typedef {{
 *   type: 'status', running: boolean, epoch: number, reason: string, message: string,
 *   divergence: Divergence|null, stopped: Stopped|null
 * }} Status
 * @typedef {{
 *   type: 'export', format: string, filename: string, media_type: string, text: string,
 *   start_epoch: number, epoch: number
 * }} ExportMessage
 * @typedef {{kind: 'diverged'|'branch', epoch: number, restored: number|null, left: number|null}} Marker
 * @typedef {{
 *   type: 'history', epochs: number[], viewing: number|null, epoch: number, markers: Marker[],
 *   limit: number
 * }} HistoryMessage
 * @typedef {{split: 'test'|'train', confusion: number[][]|null, r2: number|null, rmse: number|null}} Metrics
 * @typedef {{type: 'error', code: string, message: string, field: string|null}} ErrorMessage
 * @typedef {{name: string, dtype: 'u8'|'u8z'|'f32', shape: number[], offset: number, length?: number,
 *   lo?: number[], hi?: number[]}} Block
 * @typedef {{
 *   type: 'frame', seq: number, epoch: number, running: boolean,
 *   train_loss: number|null, test_loss: number|null,
 *   train_accuracy: number|null, test_accuracy: number|null, epochs_per_second: number,
 *   sizes: number[], activations: string[], dropout: number[], features: string[],
 *   task: string, domain: [number, number], blocks: Block[], views?: Object<string, any>|null,
 *   metrics: Metrics|null, live_epoch: number|null
 * }} FrameHeader
 * @typedef {{shape: number[], data: Uint8Array|Float32Array, lo: number[], hi: number[]}} Array1
 * @typedef {{header: FrameHeader, arrays: Map<string, Array1>, source: number}} Frame  source: 0 own, 1 teacher, 2 spotlight
 */

/**
 * Decode one binary frame: the header and each block as a typed-array view (no copies; a
 * compressed u8z grid is inflated into its own array).
 * @param {ArrayBuffer} buffer
 * @returns {Promise<Frame>}
 */
export async function decodeFrame(buffer) {
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  if (magic !== MAGIC) throw new Error(`not a frame: magic ${JSON.stringify(magic)}`);
  const version = view.getUint16(4, true);
  if (version !== PROTOCOL_VERSION) {
    throw new Error(`frame version ${version}, expected ${PROTOCOL_VERSION}`);
  }
  const source = view.getUint16(6, true); // 0 this session, 1 the teacher's (followed), 2 a spotlighted student's
  const length = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 12, length)));
  const arrays = new Map();
  for (const block of header.blocks) {
    const count = block.shape.reduce((a, b) => a * b, 1);
    let data;
    if (block.dtype === 'u8z') data = await inflateGrid(new Uint8Array(buffer, block.offset, block.length), block.shape);
    else if (block.dtype === 'u8') data = new Uint8Array(buffer, block.offset, count);
    else data = new Float32Array(buffer, block.offset, count); // offsets are multiples of 4
    arrays.set(block.name, { shape: block.shape, data, lo: block.lo || [], hi: block.hi || [] });
  }
  return { header, arrays, source };
}

/** True when this browser can inflate compressed grids (it says so in its hello). */
export const CAN_INFLATE = typeof DecompressionStream === 'function';

/**
 * A u8z block back to cells: zlib-inflate, then running sums down each column and along each
 * row (mod 256), undoing the server's two difference filters (app/protocol.py deflate_grid).
 * @param {Uint8Array} packed @param {number[]} shape
 */
export async function inflateGrid(packed, shape) {
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('deflate'));
  const cells = new Uint8Array(await new Response(stream).arrayBuffer());
  const width = shape[shape.length - 1];
  const plane = width * shape[shape.length - 2];
  for (let start = 0; start < cells.length; start += plane) {
    for (let i = start + width; i < start + plane; i += 1) cells[i] = (cells[i] + cells[i - width]) & 255;
  }
  for (let start = 0; start < cells.length; start += width) {
    for (let i = start + 1; i < start + width; i += 1) cells[i] = (cells[i] + cells[i - 1]) & 255;
  }
  return cells;
}

/**
 * Channel `j` of a u8 grid as real values: lo + v / 255 * (hi - lo).
 * @param {Array1} grid @param {number} j
 * @returns {{cells: Uint8Array, lo: number, hi: number, size: number}}
 */
export function channel(grid, j) {
  const size = grid.shape[grid.shape.length - 1];
  const n = size * grid.shape[grid.shape.length - 2];
  return {
    cells: /** @type {Uint8Array} */ (grid.data.subarray(j * n, (j + 1) * n)),
    lo: grid.lo[j] ?? 0,
    hi: grid.hi[j] ?? 0,
    size,
  };
}

/**
 * Row `row` of an f32 matrix block as a plain array.
 * @param {Array1} block @param {number} row
 */
export function matrixRow(block, row) {
  const cols = block.shape[1];
  return Array.from(block.data.subarray(row * cols, (row + 1) * cols));
}

/** A frame's weights and biases as plain arrays: {"weights/0": [[…], …], "biases/0": […], …}. */
export function frameWeights(frame) {
  const out = {};
  for (const [name, block] of frame.arrays) {
    if (!name.startsWith('weights/') && !name.startsWith('biases/')) continue;
    out[name] = block.shape.length === 2
      ? Array.from({ length: block.shape[0] }, (_, r) => matrixRow(block, r))
      : Array.from(block.data);
  }
  return out;
}
