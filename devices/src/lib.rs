//! yiwang-devices: the device side of the hall — the controller client that kiosks, LED screens
//! and window tablets link to speak yiwang's device protocol, and the hall simulator.
//!
//! The protocol and the simulator arrive with the smart-hall issue; the crate depends only on
//! `core`'s wire types and HTTP, as the design requires.
