#include <doctest/doctest.h>

#include "../flow/leaf_spine_fixture.hpp"
#include "report/csv_writers.hpp"

using namespace rocesim;
using flow::testing::leaf_spine;

TEST_CASE("times print exactly in µs from integer ps; reals in the C locale") {
  CHECK(report::format_us(Time{}) == "0");
  CHECK(report::format_us(Time{1}) == "0.000001");
  CHECK(report::format_us(Time::from_us(12) + Time{500'000}) == "12.5");
  CHECK(report::format_us(Time{-2'000'000}) == "-2");
  // Interior zeros of the ps digits stay, trailing ones go: 3 µs + 1,020 ps = 3.00102 µs.
  CHECK(report::format_us(Time{3'001'020}) == "3.00102");
  CHECK(report::format_us(Time{-1'500'000}) == "-1.5");
  CHECK(report::format_us(Time{123'456'789'012'345}) == "123456789.012345");
  CHECK(report::format_real(0.5) == "0.5");
  CHECK(report::format_real(400.0) == "400");
  CHECK(report::format_real(1.0 / 3.0) == "0.333333");
}

TEST_CASE("flows.csv: one row per transfer, fct and throughput derived, empty cells for an unfinished one") {
  observe::RunRecord rec;
  // 1 MB in 20 µs: 8e6 bit / 20e-6 s = 400 Gb/s; alone it would take 8 µs: slowdown 20/8 = 2.5.
  rec.transfers.push_back({3, 7, 0, 2, 1'000'000, Time::from_us(5), Time::from_us(25), Time::from_us(8)});
  rec.transfers.push_back({1, 2, observe::kNoOpIndex, 0, 4096, Time::from_us(1), Time::max()});
  // op_key_cells gives "job,iteration,op_id" per lowered op, escaped as collectives.csv escapes it.
  const std::vector<std::string> op_keys = {report::csv_field("train, \"big\"") + ",1,ar"};
  const std::string csv = report::flows_csv(rec, op_keys);
  // The op by name as collectives.csv prints it (job quoted: it holds a comma and quotes).
  CHECK(csv ==
        "transfer,src,dst,job,iteration,op_id,flow_label,bytes[B],start[us],end[us],fct[us],throughput[Gb/s],"
        "ideal[us],slowdown\n"
        "0,3,7,\"train, \"\"big\"\"\",1,ar,2,1000000,5,25,20,400,8,2.5\n"
        "1,1,2,,,,0,4096,1,,,,,\n");
}

TEST_CASE("links.csv: ports that carried bytes, utilization over the run, unmeasured columns empty") {
  const topology::Fabric f = leaf_spine(2, 1, 1);  // acc0, acc1, leaves t1.0 t1.1, spine t2.0
  observe::RunRecord rec;
  rec.end = Time::from_us(100);
  rec.ports.resize(f.port_count());
  // acc0's NIC port at 400 Gb/s for 100 µs could carry 5 MB; 2.5 MB is utilization 0.5.
  const topology::PortId nic = f.node(0).first_port;
  rec.ports[nic].tx_bytes = 2'500'000;
  std::string csv = report::links_csv(rec, f);
  CHECK(csv ==
        "port,from,to,tier,direction,rate[Gb/s],bytes[B],utilization,paused[us],pause_frames,longest_pause[us],"
        "ecn_marks,drops,max_queue[B]\n" +
            std::to_string(nic) + ",acc0,t1.0,nic,up,400,2500000,0.5,,,,,,\n");
  rec.has_pfc = rec.has_ecn = rec.has_drops = rec.has_queues = true;
  rec.ports[nic].paused = Time::from_us(3);
  rec.ports[nic].pauses_received = 4;
  rec.ports[nic].longest_pause = Time::from_ns(1500);
  rec.ports[nic].max_queue_bytes = 9000;
  csv = report::links_csv(rec, f);
  CHECK(csv.substr(csv.find('\n') + 1) == std::to_string(nic) + ",acc0,t1.0,nic,up,400,2500000,0.5,3,4,1.5,0,0,9000\n");
}

TEST_CASE("timeseries.csv: per-port rows name the port; aggregate rows leave port cells empty") {
  const topology::Fabric f = leaf_spine(2, 1, 1);
  observe::RunRecord rec;
  const topology::PortId nic = f.node(1).first_port;
  rec.series.ports = {nic};
  rec.series.at = {Time::from_us(1), Time::from_us(2)};
  rec.series.utilization = {0.25, 1.0};
  rec.series.queue_bytes = {0, 1500};
  CHECK(report::timeseries_csv(rec, f) == "time[us],port,from,to,tier,utilization,queue[B]\n1," + std::to_string(nic) +
                                             ",acc1,t1.1,nic,0.25,0\n2," + std::to_string(nic) + ",acc1,t1.1,nic,1,1500\n");
  observe::RunRecord agg;
  agg.series.tiers = {"leaf-spine up"};
  agg.series.at = {Time::from_us(4)};
  agg.series.utilization = {0.5};
  CHECK(report::timeseries_csv(agg, f) == "time[us],port,from,to,tier,utilization,queue[B]\n4,,,,leaf-spine up,0.5,\n");
}

TEST_CASE("tier_series.csv: one row per instant and tier; unmeasured cells are empty") {
  observe::RunRecord rec;
  rec.series.at = {Time::from_us(1), Time::from_us(2)};
  rec.series.tier_names = {"nic up", "leaf-spine up"};
  rec.series.tier_ports = {16, 32};
  rec.series.tier_mean_utilization = {0.5, 0.25, 0.75, 0.125};
  rec.series.tier_max_utilization = {1, 0.5, 1, 0.25};
  rec.series.tier_queue_bytes = {0, 4096, 100, 0};
  rec.series.tier_paused_us = {0, 0.5, 0.25, 0};
  CHECK(report::tier_series_csv(rec) ==
        "time[us],tier,ports,mean_utilization,max_utilization,queued[B],paused[us]\n"
        "1,nic up,16,0.5,1,0,0\n1,leaf-spine up,32,0.25,0.5,4096,0.5\n"
        "2,nic up,16,0.75,1,100,0.25\n2,leaf-spine up,32,0.125,0.25,0,0\n");
  observe::RunRecord analytic;  // means only
  analytic.series.at = {Time::from_us(3)};
  analytic.series.tier_names = {"nic down"};
  analytic.series.tier_ports = {8};
  analytic.series.tier_mean_utilization = {0.5};
  CHECK(report::tier_series_csv(analytic) ==
        "time[us],tier,ports,mean_utilization,max_utilization,queued[B],paused[us]\n3,nic down,8,0.5,,,\n");
}

TEST_CASE("csv_field quotes per RFC 4180 only what needs it and doubles inner quotes") {
  CHECK(report::csv_field("plain name_1.x") == "plain name_1.x");
  CHECK(report::csv_field("") == "");
  CHECK(report::csv_field("a,b") == "\"a,b\"");
  CHECK(report::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(report::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(report::csv_field("cr\r") == "\"cr\r\"");
}

TEST_CASE("collectives.csv: one row per ops[] entry; absent values empty; names quoted, never rewritten") {
  const nlohmann::json summary = {
      {"ops",
       {{{"job", "a,b"}, {"iteration", 0}, {"id", "ar"}, {"type", "all_reduce"}, {"algorithm", "ring"},
         {"group_size", 8}, {"groups", 1}, {"bytes", 1048576}, {"start_us", 0.0}, {"end_us", 10.5},
         {"duration_us", 10.5}, {"algbw_GBps", 99.8644}, {"busbw_GBps", 174.763}, {"ideal_us", 10.0},
         {"efficiency", 0.952381}, {"attribution", {{"bottleneck_tier", "leaf-spine"}}}},
        {{"job", "a,b"}, {"iteration", 0}, {"id", "c"}, {"type", "compute"}, {"groups", 1}, {"group_size", 8}}}}};
  CHECK(report::collectives_csv(summary) ==
        "job,iteration,op_id,type,algorithm,group_size,groups,bytes[B],start[us],end[us],duration[us],algbw[GB/s],"
        "busbw[GB/s],ideal[us],efficiency,bottleneck_tier\n"
        "\"a,b\",0,ar,all_reduce,ring,8,1,1048576,0,10.5,10.5,99.8644,174.763,10,0.952381,leaf-spine\n"
        "\"a,b\",0,c,compute,,8,1,,,,,,,,,\n");
}
