//! A radix tree over path bytes: each node lists the routes whose exact path ends there and
//! the routes whose prefix ends there, so one walk down a request path finds every exact and
//! prefix route that can match it, in time linear in the path's length.

/// A radix tree of exact paths and prefixes, optionally ASCII-case-insensitive.
#[derive(Debug, Clone)]
pub(crate) struct PathTrie {
    nodes: Vec<Node>,
    fold_case: bool,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// The bytes on the edge from the parent.
    label: Box<[u8]>,
    /// Children, sorted by the first byte of their label.
    children: Vec<(u8, u32)>,
    /// Entries whose exact path ends here (ascending).
    exact: Vec<u32>,
    /// Entries whose prefix ends here (ascending): prefix routes, and regex routes whose
    /// regex can only match paths starting with this literal prefix.
    prefix: Vec<u32>,
}

impl PathTrie {
    /// An empty tree; `fold_case` compares ASCII letters case-insensitively.
    pub(crate) fn new(fold_case: bool) -> Self {
        Self { nodes: vec![Node::default()], fold_case }
    }

    /// Whether nothing was inserted.
    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.len() == 1 && self.nodes[0].exact.is_empty() && self.nodes[0].prefix.is_empty()
    }

    /// Bytes held by the tree (labels, edges and entry lists), for memory reports.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self
                .nodes
                .iter()
                .map(|n| {
                    n.label.len() + n.children.capacity() * 8 + (n.exact.capacity() + n.prefix.capacity()) * 4
                })
                .sum::<usize>()
    }

    fn fold(&self, b: u8) -> u8 {
        if self.fold_case { b.to_ascii_lowercase() } else { b }
    }

    /// Adds entry `id` (entries must be added in ascending order) under `key`.
    pub(crate) fn insert(&mut self, key: &str, id: u32, is_prefix: bool) {
        let key: Vec<u8> = key.bytes().map(|b| self.fold(b)).collect();
        let mut node = 0usize;
        let mut pos = 0usize;
        while pos < key.len() {
            let b = key[pos];
            let found = self.nodes[node].children.binary_search_by_key(&b, |(c, _)| *c);
            match found {
                Err(at) => {
                    let child = self.push(Node { label: key[pos..].into(), ..Node::default() });
                    self.nodes[node].children.insert(at, (b, child));
                    node = child as usize;
                    pos = key.len();
                }
                Ok(at) => {
                    let child = self.nodes[node].children[at].1 as usize;
                    let label = &self.nodes[child].label;
                    let common = label.iter().zip(&key[pos..]).take_while(|(a, b)| a == b).count();
                    if common < label.len() {
                        // Split the edge: a new middle node takes the common part.
                        let rest: Box<[u8]> = label[common..].into();
                        let head: Box<[u8]> = label[..common].into();
                        let first_rest = rest[0];
                        self.nodes[child].label = rest;
                        let mid = self.push(Node {
                            label: head,
                            children: vec![(first_rest, child as u32)],
                            ..Node::default()
                        });
                        self.nodes[node].children[at].1 = mid;
                        node = mid as usize;
                    } else {
                        node = child;
                    }
                    pos += common;
                }
            }
        }
        let list = if is_prefix { &mut self.nodes[node].prefix } else { &mut self.nodes[node].exact };
        list.push(id);
    }

    fn push(&mut self, n: Node) -> u32 {
        self.nodes.push(n);
        (self.nodes.len() - 1) as u32
    }

    /// Walks `path`, calling `visit` with the prefix lists of every node on the way and the
    /// exact list of the node where the path ends. `visit` returns `false` to stop.
    pub(crate) fn walk(&self, path: &str, visit: &mut dyn FnMut(&[u32]) -> bool) {
        let path = path.as_bytes();
        let mut node = &self.nodes[0];
        let mut pos = 0usize;
        loop {
            if !node.prefix.is_empty() && !visit(&node.prefix) {
                return;
            }
            if pos == path.len() {
                if !node.exact.is_empty() {
                    visit(&node.exact);
                }
                return;
            }
            let b = self.fold(path[pos]);
            let Ok(at) = node.children.binary_search_by_key(&b, |(c, _)| *c) else { return };
            let child = &self.nodes[node.children[at].1 as usize];
            let end = pos + child.label.len();
            if end > path.len() {
                return;
            }
            let same = if self.fold_case {
                child.label.iter().zip(&path[pos..end]).all(|(a, b)| *a == b.to_ascii_lowercase())
            } else {
                *child.label == path[pos..end]
            };
            if !same {
                return;
            }
            pos = end;
            node = child;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(t: &PathTrie, path: &str) -> Vec<u32> {
        let mut out = Vec::new();
        t.walk(path, &mut |l| {
            out.extend_from_slice(l);
            true
        });
        out.sort_unstable();
        out
    }

    #[test]
    fn prefixes_and_exacts_along_the_path() {
        let mut t = PathTrie::new(false);
        t.insert("/", 0, true);
        t.insert("/api", 1, true);
        t.insert("/api/v1", 2, false);
        t.insert("/apx", 3, true);
        t.insert("/api/v1/users", 4, true);
        assert_eq!(hits(&t, "/api/v1"), [0, 1, 2]);
        assert_eq!(hits(&t, "/api/v1/users/7"), [0, 1, 4]);
        assert_eq!(hits(&t, "/apx"), [0, 3]);
        assert_eq!(hits(&t, "/ap"), [0]);
        assert_eq!(hits(&t, "nothing"), Vec::<u32>::new());
    }

    #[test]
    fn folded_case() {
        let mut t = PathTrie::new(true);
        t.insert("/API", 0, true);
        t.insert("/Exact", 1, false);
        assert_eq!(hits(&t, "/api/x"), [0]);
        assert_eq!(hits(&t, "/eXACT"), [1]);
    }

    #[test]
    fn empty_prefix_matches_everything() {
        let mut t = PathTrie::new(false);
        t.insert("", 5, true);
        assert_eq!(hits(&t, "/x"), [5]);
        assert_eq!(hits(&t, ""), [5]);
    }
}
