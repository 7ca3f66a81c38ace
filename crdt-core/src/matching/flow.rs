//! The batch's optimisation: a maximum-weight assignment with capacities, as a min-cost flow.
//!
//! ```text
//! source ─(supply)→ offer ─(1, weight)→ [bundle ─(1)→] need ─(demand)→ sink
//! ```
//! Edges in one bundle (one volunteer's offers for one need) meet in a node that passes one
//! unit, so a volunteer takes at most one place of a need, whichever offer it comes through.
//! An assignment matrix (Kuhn–Munkres) cannot say that once capacities are expanded into
//! slots, which is why this is a flow.
//!
//! Solved by successive shortest paths: Dijkstra with potentials finds the cheapest way to add
//! one more unit, then every path of that cost is used at once (Dinic's blocking flow over the
//! edges of zero reduced cost), so there are about as many Dijkstra rounds as distinct path
//! costs. An edge costs `max_weight - weight`, never negative; each augmenting path crosses one
//! more weighted edge forwards than backwards, so a path of cost `c` adds `max_weight - c` to
//! the total weight, and augmenting stops when that is no longer positive. The result is
//! deterministic: it depends only on the order of the input.

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
    let mut net = Network::new(2 + supply.len() + demand.len());
    for (i, &units) in supply.iter().enumerate() {
        net.add(source, left(i), i64::from(units), 0);
    }
    for (j, &units) in demand.iter().enumerate() {
        net.add(right(j), sink, i64::from(units), 0);
    }
    let mut bundle_nodes: HashMap<usize, usize> = HashMap::new();
    let ids: Vec<usize> = edges
        .iter()
        .map(|edge| {
            let cost = max_weight - i64::from(edge.weight);
            if edges_in_bundle[&edge.bundle] == 1 {
                return net.add(left(edge.left), right(edge.right), 1, cost);
            }
            let through = *bundle_nodes.entry(edge.bundle).or_insert_with(|| {
                let node = net.node();
                net.add(node, right(edge.right), 1, 0);
                node
            });
            net.add(left(edge.left), through, 1, cost)
        })
        .collect();
    net.send_while_cheaper(source, sink, max_weight);
    ids.into_iter().map(|id| net.flow(id) > 0).collect()
}

const UNREACHED: i64 = i64::MAX;

/// A residual network: edge `e` and its reverse `e ^ 1` are stored side by side.
struct Network {
    adjacent: Vec<Vec<usize>>,
    to: Vec<usize>,
    capacity: Vec<i64>,
    cost: Vec<i64>,
}

impl Network {
    fn new(nodes: usize) -> Network {
        Network { adjacent: vec![Vec::new(); nodes], to: Vec::new(), capacity: Vec::new(), cost: Vec::new() }
    }

    fn node(&mut self) -> usize {
        self.adjacent.push(Vec::new());
        self.adjacent.len() - 1
    }

    fn add(&mut self, from: usize, to: usize, capacity: i64, cost: i64) -> usize {
        let id = self.to.len();
        self.to.extend([to, from]);
        self.capacity.extend([capacity, 0]);
        self.cost.extend([cost, -cost]);
        self.adjacent[from].push(id);
        self.adjacent[to].push(id + 1);
        id
    }

    fn flow(&self, edge: usize) -> i64 {
        self.capacity[edge ^ 1]
    }

    /// Sends flow along cheapest paths while a path costs less than `limit`.
    fn send_while_cheaper(&mut self, source: usize, sink: usize, limit: i64) {
        // Distances from the source so far; they keep every residual edge's reduced cost
        // non-negative, which is what lets Dijkstra run on a graph with negative reverse edges.
        let mut potential = vec![0; self.adjacent.len()];
        loop {
            let distance = self.dijkstra(source, &potential);
            if distance[sink] == UNREACHED {
                return;
            }
            for (p, d) in potential.iter_mut().zip(&distance) {
                if *d != UNREACHED {
                    *p += d;
                }
            }
            if potential[sink] >= limit {
                return;
            }
            // Every cheapest path now runs along edges of zero reduced cost.
            while let Some(level) = self.levels(source, sink, &potential) {
                let mut next_edge = vec![0; self.adjacent.len()];
                while self.push(source, sink, i64::MAX, &level, &potential, &mut next_edge) > 0 {}
            }
        }
    }

    fn reduced_cost(&self, edge: usize, from: usize, potential: &[i64]) -> i64 {
        self.cost[edge] + potential[from] - potential[self.to[edge]]
    }

    fn dijkstra(&self, source: usize, potential: &[i64]) -> Vec<i64> {
        let mut distance = vec![UNREACHED; self.adjacent.len()];
        distance[source] = 0;
        let mut queue = BinaryHeap::from([Reverse((0, source))]);
        while let Some(Reverse((d, u))) = queue.pop() {
            if d > distance[u] {
                continue;
            }
            for &e in &self.adjacent[u] {
                let v = self.to[e];
                let through = d + self.reduced_cost(e, u, potential);
                if self.capacity[e] > 0 && through < distance[v] {
                    distance[v] = through;
                    queue.push(Reverse((through, v)));
                }
            }
        }
        distance
    }

    /// Breadth-first levels over the residual edges of zero reduced cost; `None` once the sink
    /// cannot be reached that way.
    fn levels(&self, source: usize, sink: usize, potential: &[i64]) -> Option<Vec<usize>> {
        let mut level = vec![usize::MAX; self.adjacent.len()];
        level[source] = 0;
        let mut queue = std::collections::VecDeque::from([source]);
        while let Some(u) = queue.pop_front() {
            for &e in &self.adjacent[u] {
                let v = self.to[e];
                if self.capacity[e] > 0 && level[v] == usize::MAX && self.reduced_cost(e, u, potential) == 0 {
                    level[v] = level[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        (level[sink] != usize::MAX).then_some(level)
    }

    /// Pushes one path's worth of flow from `u` to the sink along the level graph.
    fn push(&mut self, u: usize, sink: usize, limit: i64, level: &[usize], potential: &[i64], next_edge: &mut [usize]) -> i64 {
        if u == sink {
            return limit;
        }
        while let Some(&e) = self.adjacent[u].get(next_edge[u]) {
            let v = self.to[e];
            if self.capacity[e] > 0 && level[v] == level[u] + 1 && self.reduced_cost(e, u, potential) == 0 {
                let pushed = self.push(v, sink, limit.min(self.capacity[e]), level, potential, next_edge);
                if pushed > 0 {
                    self.capacity[e] -= pushed;
                    self.capacity[e ^ 1] += pushed;
                    return pushed;
                }
            }
            next_edge[u] += 1;
        }
        0
    }
}
