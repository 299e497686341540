fn main() {
    api_server::run();
}
