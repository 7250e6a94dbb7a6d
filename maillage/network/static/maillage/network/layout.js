// A compact force layout (after d3-force's velocity Verlet scheme): nodes repel each other,
// links pull their ends to a rest length, a weak pull keeps the graph centred. Positions
// start on a deterministic spiral, so the same graph always gets the same drawing.

const TICKS = 300;
const LINK_DISTANCE = 110;
const CHARGE = -600;
const CENTER_PULL = 0.04;
const VELOCITY_DECAY = 0.6;

export function layout(nodes, edges, { fixed = null } = {}) {
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const points = nodes.map((node, i) => {
    const radius = 12 * Math.sqrt(i + 0.5);
    const angle = i * Math.PI * (3 - Math.sqrt(5));
    return { x: radius * Math.cos(angle), y: radius * Math.sin(angle), vx: 0, vy: 0 };
  });
  const degree = new Array(nodes.length).fill(0);
  const links = edges.map((edge) => {
    const s = index.get(edge.source);
    const t = index.get(edge.target);
    degree[s] += 1;
    degree[t] += 1;
    return [s, t];
  });
  const pinned = fixed === null ? -1 : index.get(fixed) ?? -1;
  let alpha = 1;
  const alphaDecay = 1 - Math.pow(0.001, 1 / TICKS);
  for (let tick = 0; tick < TICKS; tick += 1) {
    alpha += (0 - alpha) * alphaDecay;
    for (const [s, t] of links) {
      const a = points[s];
      const b = points[t];
      let dx = b.x + b.vx - a.x - a.vx || 1e-6;
      let dy = b.y + b.vy - a.y - a.vy || 1e-6;
      const length = Math.sqrt(dx * dx + dy * dy);
      const strength = 1 / Math.min(degree[s], degree[t]);
      const pull = ((length - LINK_DISTANCE) / length) * alpha * strength;
      dx *= pull;
      dy *= pull;
      const bias = degree[s] / (degree[s] + degree[t]);
      b.vx -= dx * bias;
      b.vy -= dy * bias;
      a.vx += dx * (1 - bias);
      a.vy += dy * (1 - bias);
    }
    for (let i = 0; i < points.length; i += 1) {
      const a = points[i];
      for (let j = i + 1; j < points.length; j += 1) {
        const b = points[j];
        const dx = b.x - a.x || 1e-3 * (j - i);
        const dy = b.y - a.y || 1e-3;
        const d2 = Math.max(dx * dx + dy * dy, 25);
        const push = (CHARGE * alpha) / d2;
        a.vx += dx * push;
        a.vy += dy * push;
        b.vx -= dx * push;
        b.vy -= dy * push;
      }
      a.vx -= a.x * CENTER_PULL * alpha;
      a.vy -= a.y * CENTER_PULL * alpha;
    }
    for (let i = 0; i < points.length; i += 1) {
      const p = points[i];
      if (i === pinned) {
        p.x = 0;
        p.y = 0;
        p.vx = 0;
        p.vy = 0;
        continue;
      }
      p.vx *= VELOCITY_DECAY;
      p.vy *= VELOCITY_DECAY;
      p.x += p.vx;
      p.y += p.vy;
    }
  }
  return { points, degree };
}
