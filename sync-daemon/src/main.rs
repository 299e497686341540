fn main() {
    sync_daemon::run();
}
