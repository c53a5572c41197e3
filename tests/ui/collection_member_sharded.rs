use singletable::prelude::*;

#[derive(Table)]
#[table(name = "Telemetry", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct Telemetry;

#[derive(Entity)]
#[entity(table = Telemetry, pk = "DEVICE#{device_id}", sk = "DEVICE")]
struct Device {
    device_id: String,
    site: String,
}

#[derive(Entity)]
#[entity(table = Telemetry, pk = "DEVICE#{device_id}", sk = "READING#{seq}", shards = 8,
         index(GSI1, pk = "SITE#{site}", sk = "READING#{seq}"))]
struct Reading {
    device_id: String,
    site: String,
    seq: u32,
}

/// Fine: a collection on a GSI reads the sharded entity's unsharded GSI keys.
#[derive(Collection)]
#[collection(table = Telemetry, index = GSI1)]
struct SiteReadings {
    readings: Vec<Reading>,
}

/// Refused: the table's partition `DEVICE#{device_id}` holds none of the readings, which
/// live in `DEVICE#{device_id}#S0`..`#S7`.
#[derive(Collection)]
#[collection(table = Telemetry)]
struct DeviceWithReadings {
    device: Option<Device>,
    readings: Vec<Reading>,
}

fn main() {}
