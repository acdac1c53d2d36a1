//! Plain-data pieces of the console's state, each with the pure logic that updates it.

pub mod alerts;
pub mod card;
pub mod cases;
pub mod cockpit;
pub mod confirm;
pub mod devices;
pub mod feed;
pub mod health;
pub mod names;
pub mod queues;
