//! Times the Present view, in process, on a summary index of N generated workflows (no store,
//! no HTTP): for finding where its time goes. `scripts/bench-scale.sh` measures it over HTTP.
//! `cargo run --release -p server --example index_present -- [N] [ROUNDS]`

use std::time::Instant;

use app::bars::{Dimension, Measure};
use app::filter::Filter;
use server::demo::scale::{workflow, Shape};
use server::index::{State, SummaryIndex};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(9);
    let started = Instant::now();
    let mut state = State::building();
    for i in 0..n {
        state.upsert(workflow(i, 1, Shape::default()));
    }
    let index = SummaryIndex::default();
    index.install(state);
    eprintln!("{n} workflows indexed in {:.1} s", started.elapsed().as_secs_f64());
    let now = server::now();
    let all = Filter::default();
    let shapes = [
        (Dimension::Campaign, None, Measure::Workflows),
        (Dimension::Status, None, Measure::Workflows),
        (Dimension::PriorityBlock, None, Measure::Remaining),
        (Dimension::Campaign, Some(Dimension::Status), Measure::Expected),
        (Dimension::Campaign, Some(Dimension::Tier), Measure::Produced),
        (Dimension::Tier, Some(Dimension::DatasetStatus), Measure::Workflows),
        (Dimension::DatasetStatus, Some(Dimension::Campaign), Measure::Remaining),
    ];
    println!("| group | stack | measure | median ms |");
    println!("|---|---|---|---:|");
    for shape in shapes {
        let mut times: Vec<f64> = (0..rounds)
            .map(|_| {
                let t = Instant::now();
                let v = index.present(&all, shape, now).expect("the index was installed");
                assert_eq!(v.matching, n as u64);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let stack = shape.1.map_or("none", Dimension::as_str);
        println!("| {} | {stack} | {} | {:.2} |", shape.0.as_str(), shape.2.as_str(), times[times.len() / 2]);
    }
}
