use singletable::prelude::*;

#[derive(Attribute)]
struct Point(i64, i64);

#[derive(Attribute)]
enum Shape {
    Circle { radius: u32 },
    Line(Point, Point),
}

fn main() {}
