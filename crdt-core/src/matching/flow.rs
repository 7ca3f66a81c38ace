//! The batch's optimisation: a maximum-weight assignment with capacities, as a min-cost flow.
//!
//! ```text
//! source ─(supply)→ offer ─(1, weight)→ [bundle ─(1)→] need ─(demand)→ sink
//! ```
//! Edges in one bundle (one volunteer's offers for one need) meet in a node that passes one
//! unit, so a volunteer takes at most one place of a need, whichever offer it comes through.
//! (Only needs with several places need it: one place cannot be taken twice.) An assignment
//! matrix (Kuhn–Munkres) cannot say that once capacities are expanded into slots, which is
//! why this is a flow.
//!
//! Solved by successive shortest paths: Dijkstra with potentials finds the cost of the cheapest
//! way to add one more unit, then every path of that cost is used at once (Dinic's blocking
//! flow over the arcs of zero reduced cost, gathered once per round since they are few), so
//! there are about as many Dijkstra rounds as distinct path costs. An edge costs
//! `max_weight - weight`, never negative; each augmenting path crosses one more weighted edge
//! forwards than backwards, so a path of cost `c` adds `max_weight - c` to the total weight,
//! and augmenting stops when that is no longer positive. The result is deterministic: it
//! depends only on the order of the input.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// A possible pairing of left node `left` (an offer) with right node `right` (a need).
pub(super) struct Edge {
    pub left: usize,
    pub right: usize,
    /// Edges sharing a bundle carry at most one unit between them.
    pub bundle: usize,
    pub weight: u32,
}

/// Which edges to use for the greatest total weight, with each left node used at most
/// `supply[left]` times and each right node at most `demand[right]` times.
pub(super) fn best(supply: &[u32], demand: &[u32], edges: &[Edge]) -> Vec<bool> {
    let Some(max_weight) = edges.iter().map(|e| i64::from(e.weight)).max() else { return Vec::new() };
    let (source, sink) = (0, 1);
    let left = |i: usize| 2 + i;
    let right = |j: usize| 2 + supply.len() + j;
    let mut edges_in_bundle: HashMap<usize, usize> = HashMap::new();
    for edge in edges {
        *edges_in_bundle.entry(edge.bundle).or_default() += 1;
    }
    let mut nodes = 2 + supply.len() + demand.len();
    let mut arcs: Vec<(usize, usize, i64, i64)> = Vec::new();
    arcs.extend(supply.iter().enumerate().map(|(i, &units)| (source, left(i), i64::from(units), 0)));
    arcs.extend(demand.iter().enumerate().map(|(j, &units)| (right(j), sink, i64::from(units), 0)));
    let mut bundle_nodes: HashMap<usize, usize> = HashMap::new();
    let ids: Vec<usize> = edges
        .iter()
        .map(|edge| {
            let cost = max_weight - i64::from(edge.weight);
            let to = if edges_in_bundle[&edge.bundle] == 1 || demand[edge.right] == 1 {
                right(edge.right)
            } else {
                *bundle_nodes.entry(edge.bundle).or_insert_with(|| {
                    nodes += 1;
                    arcs.push((nodes - 1, right(edge.right), 1, 0));
                    nodes - 1
                })
            };
            arcs.push((left(edge.left), to, 1, cost));
            arcs.len() - 1
        })
        .collect();
    let mut net = Network::new(nodes, &arcs);
    net.send_while_cheaper(source, sink, max_weight);
    ids.into_iter().map(|id| net.flow(id) > 0).collect()
}

const UNREACHED: i64 = i64::MAX;

struct Arc {
    to: usize,
    /// Where this arc's reverse is stored.
    reverse: usize,
    capacity: i64,
    cost: i64,
}

/// A residual network in one flat list, the arcs leaving node `u` at `start[u]..start[u + 1]`
/// (kept together because Dijkstra reads them together).
struct Network {
    start: Vec<usize>,
    arcs: Vec<Arc>,
    /// Where the forward arc of each added edge is stored.
    forward: Vec<usize>,
}

/// Arc positions grouped by the node they leave: `arcs[start[u]..start[u + 1]]`.
struct Tight {
    start: Vec<usize>,
    arcs: Vec<usize>,
}

impl Tight {
    fn from(&self, node: usize) -> &[usize] {
        &self.arcs[self.start[node]..self.start[node + 1]]
    }
}

impl Network {
    /// `edges` are (from, to, capacity, cost); each gets a reverse arc of capacity 0.
    fn new(nodes: usize, edges: &[(usize, usize, i64, i64)]) -> Network {
        let mut start = vec![0; nodes + 1];
        for &(from, to, ..) in edges {
            start[from + 1] += 1;
            start[to + 1] += 1;
        }
        for u in 0..nodes {
            start[u + 1] += start[u];
        }
        let mut next = start.clone();
        let mut arcs: Vec<Arc> = (0..2 * edges.len()).map(|_| Arc { to: 0, reverse: 0, capacity: 0, cost: 0 }).collect();
        let mut forward = Vec::with_capacity(edges.len());
        for &(from, to, capacity, cost) in edges {
            let (there, back) = (next[from], next[to]);
            next[from] += 1;
            next[to] += 1;
            arcs[there] = Arc { to, reverse: back, capacity, cost };
            arcs[back] = Arc { to: from, reverse: there, capacity: 0, cost: -cost };
            forward.push(there);
        }
        Network { start, arcs, forward }
    }

    fn nodes(&self) -> usize {
        self.start.len() - 1
    }

    fn arcs_from(&self, node: usize) -> std::ops::Range<usize> {
        self.start[node]..self.start[node + 1]
    }

    fn flow(&self, edge: usize) -> i64 {
        self.arcs[self.arcs[self.forward[edge]].reverse].capacity
    }

    /// Sends flow along cheapest paths while a path costs less than `limit`.
    fn send_while_cheaper(&mut self, source: usize, sink: usize, limit: i64) {
        // They keep every residual arc's reduced cost non-negative, which is what lets Dijkstra
        // run on a graph with negative reverse arcs; `potential[sink]` is the cheapest path's cost.
        let mut potential = vec![0; self.nodes()];
        while self.settle(source, sink, &mut potential) && potential[sink] < limit {
            // Every cheapest path now runs along arcs of zero reduced cost.
            let tight = self.tight_arcs(&potential);
            while let Some(level) = self.levels(source, sink, &tight) {
                let mut next_arc = vec![0; self.nodes()];
                while self.push(source, sink, i64::MAX, &tight, &level, &mut next_arc) > 0 {}
            }
        }
    }

    fn reduced_cost(&self, arc: usize, from: usize, potential: &[i64]) -> i64 {
        let arc = &self.arcs[arc];
        arc.cost + potential[from] - potential[arc.to]
    }

    /// Dijkstra over reduced costs until the sink is settled, then moves the potentials so the
    /// cheapest paths to the sink cost nothing. Nodes not settled by then are at least as far
    /// as the sink and move by its distance, which keeps every reduced cost non-negative.
    /// Returns false when the sink cannot be reached.
    fn settle(&self, source: usize, sink: usize, potential: &mut [i64]) -> bool {
        let mut distance = vec![UNREACHED; self.nodes()];
        let mut settled = vec![false; self.nodes()];
        distance[source] = 0;
        let mut queue = BinaryHeap::from([Reverse((0, source))]);
        while let Some(Reverse((d, u))) = queue.pop() {
            if settled[u] {
                continue;
            }
            settled[u] = true;
            if u == sink {
                break;
            }
            for arc in self.arcs_from(u) {
                let Arc { to, capacity, .. } = self.arcs[arc];
                let through = d + self.reduced_cost(arc, u, potential);
                if capacity > 0 && through < distance[to] {
                    distance[to] = through;
                    queue.push(Reverse((through, to)));
                }
            }
        }
        if !settled[sink] {
            return false;
        }
        for (v, p) in potential.iter_mut().enumerate() {
            *p += if settled[v] { distance[v] } else { distance[sink] };
        }
        true
    }

    /// The arcs of zero reduced cost, by the node they leave, in both directions (an arc's
    /// reverse is as tight as the arc, and gains capacity as flow is pushed).
    fn tight_arcs(&self, potential: &[i64]) -> Tight {
        let mut tight = Tight { start: Vec::with_capacity(self.nodes() + 1), arcs: Vec::new() };
        for u in 0..self.nodes() {
            tight.start.push(tight.arcs.len());
            tight.arcs.extend(self.arcs_from(u).filter(|&arc| self.reduced_cost(arc, u, potential) == 0));
        }
        tight.start.push(tight.arcs.len());
        tight
    }

    /// Breadth-first levels over tight arcs with room left; `None` once the sink cannot be
    /// reached that way.
    fn levels(&self, source: usize, sink: usize, tight: &Tight) -> Option<Vec<usize>> {
        let mut level = vec![usize::MAX; self.nodes()];
        level[source] = 0;
        let mut queue = std::collections::VecDeque::from([source]);
        while let Some(u) = queue.pop_front() {
            for &arc in tight.from(u) {
                let Arc { to, capacity, .. } = self.arcs[arc];
                if capacity > 0 && level[to] == usize::MAX {
                    level[to] = level[u] + 1;
                    queue.push_back(to);
                }
            }
        }
        (level[sink] != usize::MAX).then_some(level)
    }

    /// Pushes one path's worth of flow from `u` to the sink along the level graph.
    fn push(&mut self, u: usize, sink: usize, limit: i64, tight: &Tight, level: &[usize], next_arc: &mut [usize]) -> i64 {
        if u == sink {
            return limit;
        }
        while let Some(&arc) = tight.from(u).get(next_arc[u]) {
            let Arc { to, capacity, reverse, .. } = self.arcs[arc];
            if capacity > 0 && level[to] == level[u] + 1 {
                let pushed = self.push(to, sink, limit.min(capacity), tight, level, next_arc);
                if pushed > 0 {
                    self.arcs[arc].capacity -= pushed;
                    self.arcs[reverse].capacity += pushed;
                    return pushed;
                }
            }
            next_arc[u] += 1;
        }
        0
    }
}
