#pragma once
// The script objects of one socket's roles, by instrument kind (bind_socket.cpp dispatches).
#include "engine/lua/sequence_runner.hpp"
#include "engine/socket/bind_socket.hpp"
#include "engine/socket/lane_role.hpp"

#include <memory>

namespace ledlab::instruments {
class Bert;
class PowerMeter;
class Smu;
class ThermalChamber;
class PatternGenerator;
}  // namespace ledlab::instruments

namespace ledlab::engine::socket {

struct RoleBinding {
  std::shared_ptr<const LaneRole> role;
  std::shared_ptr<Clock> clock;             // the run's: a gate waits out its length on it
  std::shared_ptr<const SocketFallbacks> allowed;  // what pre-flight allows (never null)
  std::shared_ptr<FallbacksUsed> used;      // what the adapters took
};

// Records a fallback at its first use.
void note_fallback(FallbacksUsed& used, bool FallbacksUsed::*which, std::string note);

void bind_bert_role(lua::SequenceRunner& runner, const RoleBinding& rb, instruments::Bert* bert);
void bind_meter_role(lua::SequenceRunner& runner, const RoleBinding& rb, instruments::PowerMeter* meter);
void bind_smu_role(lua::SequenceRunner& runner, const RoleBinding& rb, instruments::Smu* smu);
void bind_chamber_role(lua::SequenceRunner& runner, const RoleBinding& rb, instruments::ThermalChamber* chamber);
void bind_pattern_generator_role(lua::SequenceRunner& runner, const RoleBinding& rb, instruments::PatternGenerator* pg);

}  // namespace ledlab::engine::socket
