fn main() -> anyhow::Result<()> {
    langfuse_mock::cli::run()
}
