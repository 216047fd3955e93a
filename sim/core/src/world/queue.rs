//! The rtos message queue: a FreeRTOS queue of fixed length, posted to without blocking.
//!
//! Posting from timer context uses a zero block time, so a full queue drops the message; the
//! queue counts every drop and remembers its peak depth for the run summary.

use super::message::Message;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct MessageQueue {
    items: VecDeque<Message>,
    capacity: usize,
    peak: usize,
    drops: u64,
}

impl MessageQueue {
    pub fn new(capacity: usize) -> MessageQueue {
        MessageQueue { items: VecDeque::with_capacity(capacity), capacity, peak: 0, drops: 0 }
    }

    /// Posts without blocking. Returns the depth after posting, or gives the message back when
    /// the queue is full (it has been counted as dropped).
    pub fn post(&mut self, message: Message) -> Result<usize, Message> {
        if self.items.len() >= self.capacity {
            self.drops += 1;
            return Err(message);
        }
        self.items.push_back(message);
        self.peak = self.peak.max(self.items.len());
        Ok(self.items.len())
    }

    pub fn pop(&mut self) -> Option<Message> {
        self.items.pop_front()
    }

    /// The message `pop` would take.
    pub fn front(&self) -> Option<&Message> {
        self.items.front()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn peak(&self) -> usize {
        self.peak
    }

    pub fn drops(&self) -> u64 {
        self.drops
    }

    /// Keeps only the messages for which `keep` is true.
    pub fn retain(&mut self, keep: impl FnMut(&Message) -> bool) {
        self.items.retain(keep);
    }

    /// A reset empties the queue; peak and drop counts cover the whole run.
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_queue_drops_and_counts() {
        let mut q = MessageQueue::new(2);
        let m = |id| Message::Timer { id, repeat: 0 };
        assert_eq!(q.post(m(1)), Ok(1));
        assert_eq!(q.post(m(2)), Ok(2));
        assert_eq!(q.post(m(3)), Err(m(3)));
        assert_eq!(q.drops(), 1);
        assert_eq!(q.pop(), Some(m(1)));
        assert_eq!(q.peak(), 2);
    }
}
