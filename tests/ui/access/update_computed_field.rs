use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

fn slugify(title: &str) -> String {
    title.to_lowercase()
}

#[derive(Entity)]
#[entity(table = App, pk = "ARTICLE#{id}", sk = "ARTICLE")]
struct Article {
    id: String,
    title: String,
    #[entity(computed = "slugify", from(title))]
    slug: String,
}

fn main() {
    let db = App::client(MemoryBackend::new());
    let _ = db.update(Article::key("a1")).set(Article::SLUG, "my-slug");
}
