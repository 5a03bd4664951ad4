fn main() {
    std::process::exit(orgsim::cli::main());
}
