pub mod findings;
pub mod graph_view;
pub mod import_panel;
pub mod plan_stages;
pub mod problem_list;
pub mod service_panel;
pub mod stage_graph;
