// One websocket to the server that comes back by itself: exponential backoff between attempts.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;

/**
 * @param {string} url
 * @param {{
 *   onOpen?: () => void,
 *   onMessage?: (message: object) => void,
 *   onFrame?: (buffer: ArrayBuffer) => void,
 *   onDown?: (retryInMs: number, attempt: number) => void,
 * }} handlers
 */
export function createSocket(url, handlers) {
  let socket = null;
  let delay = FIRST_DELAY_MS;
  let attempt = 0;
  let timer = 0;
  let closed = false;

  function connect() {
    timer = 0;
    attempt += 1;
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      delay = FIRST_DELAY_MS;
      attempt = 0;
      handlers.onOpen?.();
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') handlers.onMessage?.(JSON.parse(event.data));
      else handlers.onFrame?.(event.data);
    });
    socket.addEventListener('close', () => {
      socket = null;
      if (closed) return;
      handlers.onDown?.(delay, attempt);
      timer = window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    });
  }

  /** Send a JSON message; false when there is no open connection to take it. */
  function send(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /** Try again now instead of waiting for the backoff timer. */
  function retryNow() {
    if (timer) {
      window.clearTimeout(timer);
      connect();
    }
  }

  function close() {
    closed = true;
    window.clearTimeout(timer);
    socket?.close();
  }

  const isOpen = () => socket !== null && socket.readyState === WebSocket.OPEN;
  connect();
  return { send, retryNow, close, isOpen };
}
