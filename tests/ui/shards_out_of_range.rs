use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "DEVICE#{device_id}", sk = "READING#{at}", shards = 1)]
struct Reading {
    device_id: String,
    at: u64,
}

#[derive(Entity)]
#[entity(table = App, pk = "SENSOR#{sensor_id}", sk = "READING#{at}", shards = 101)]
struct SensorReading {
    sensor_id: String,
    at: u64,
}

fn main() {}
