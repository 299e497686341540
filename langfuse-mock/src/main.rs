fn main() {
    langfuse_mock::run();
}
