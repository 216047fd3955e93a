-- Candidate rules for a large installation: one rule per heating zone, then the dispatcher.
-- About 40 KB, with one syntax error near the end (an `elseif` without `then`), which the
-- device's parser reports at the line after it.
local prefix = Config.get("mqtt.prefix") or "device"
local rules = {}

-- Zone 1: alert above 71 C, warn below 31 C.
rules[1] = function(data)
  if data.value > 71 then
    Log.warn("zone 1 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/1/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 1 too cold: " .. data.value)
  end
end

-- Zone 2: alert above 72 C, warn below 32 C.
rules[2] = function(data)
  if data.value > 72 then
    Log.warn("zone 2 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/2/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 2 too cold: " .. data.value)
  end
end

-- Zone 3: alert above 73 C, warn below 33 C.
rules[3] = function(data)
  if data.value > 73 then
    Log.warn("zone 3 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/3/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 3 too cold: " .. data.value)
  end
end

-- Zone 4: alert above 74 C, warn below 34 C.
rules[4] = function(data)
  if data.value > 74 then
    Log.warn("zone 4 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/4/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 4 too cold: " .. data.value)
  end
end

-- Zone 5: alert above 75 C, warn below 35 C.
rules[5] = function(data)
  if data.value > 75 then
    Log.warn("zone 5 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/5/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 5 too cold: " .. data.value)
  end
end

-- Zone 6: alert above 76 C, warn below 36 C.
rules[6] = function(data)
  if data.value > 76 then
    Log.warn("zone 6 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/6/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 6 too cold: " .. data.value)
  end
end

-- Zone 7: alert above 77 C, warn below 37 C.
rules[7] = function(data)
  if data.value > 77 then
    Log.warn("zone 7 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/7/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 7 too cold: " .. data.value)
  end
end

-- Zone 8: alert above 78 C, warn below 38 C.
rules[8] = function(data)
  if data.value > 78 then
    Log.warn("zone 8 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/8/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 8 too cold: " .. data.value)
  end
end

-- Zone 9: alert above 79 C, warn below 39 C.
rules[9] = function(data)
  if data.value > 79 then
    Log.warn("zone 9 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/9/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 9 too cold: " .. data.value)
  end
end

-- Zone 10: alert above 80 C, warn below 40 C.
rules[10] = function(data)
  if data.value > 80 then
    Log.warn("zone 10 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/10/alert", "overtemp " .. data.value)
  elseif data.value < 40 then
    Log.warn("zone 10 too cold: " .. data.value)
  end
end

-- Zone 11: alert above 81 C, warn below 41 C.
rules[11] = function(data)
  if data.value > 81 then
    Log.warn("zone 11 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/11/alert", "overtemp " .. data.value)
  elseif data.value < 41 then
    Log.warn("zone 11 too cold: " .. data.value)
  end
end

-- Zone 12: alert above 82 C, warn below 42 C.
rules[12] = function(data)
  if data.value > 82 then
    Log.warn("zone 12 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/12/alert", "overtemp " .. data.value)
  elseif data.value < 42 then
    Log.warn("zone 12 too cold: " .. data.value)
  end
end

-- Zone 13: alert above 83 C, warn below 43 C.
rules[13] = function(data)
  if data.value > 83 then
    Log.warn("zone 13 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/13/alert", "overtemp " .. data.value)
  elseif data.value < 43 then
    Log.warn("zone 13 too cold: " .. data.value)
  end
end

-- Zone 14: alert above 84 C, warn below 44 C.
rules[14] = function(data)
  if data.value > 84 then
    Log.warn("zone 14 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/14/alert", "overtemp " .. data.value)
  elseif data.value < 44 then
    Log.warn("zone 14 too cold: " .. data.value)
  end
end

-- Zone 15: alert above 85 C, warn below 30 C.
rules[15] = function(data)
  if data.value > 85 then
    Log.warn("zone 15 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/15/alert", "overtemp " .. data.value)
  elseif data.value < 30 then
    Log.warn("zone 15 too cold: " .. data.value)
  end
end

-- Zone 16: alert above 86 C, warn below 31 C.
rules[16] = function(data)
  if data.value > 86 then
    Log.warn("zone 16 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/16/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 16 too cold: " .. data.value)
  end
end

-- Zone 17: alert above 87 C, warn below 32 C.
rules[17] = function(data)
  if data.value > 87 then
    Log.warn("zone 17 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/17/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 17 too cold: " .. data.value)
  end
end

-- Zone 18: alert above 88 C, warn below 33 C.
rules[18] = function(data)
  if data.value > 88 then
    Log.warn("zone 18 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/18/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 18 too cold: " .. data.value)
  end
end

-- Zone 19: alert above 89 C, warn below 34 C.
rules[19] = function(data)
  if data.value > 89 then
    Log.warn("zone 19 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/19/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 19 too cold: " .. data.value)
  end
end

-- Zone 20: alert above 90 C, warn below 35 C.
rules[20] = function(data)
  if data.value > 90 then
    Log.warn("zone 20 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/20/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 20 too cold: " .. data.value)
  end
end

-- Zone 21: alert above 91 C, warn below 36 C.
rules[21] = function(data)
  if data.value > 91 then
    Log.warn("zone 21 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/21/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 21 too cold: " .. data.value)
  end
end

-- Zone 22: alert above 92 C, warn below 37 C.
rules[22] = function(data)
  if data.value > 92 then
    Log.warn("zone 22 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/22/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 22 too cold: " .. data.value)
  end
end

-- Zone 23: alert above 93 C, warn below 38 C.
rules[23] = function(data)
  if data.value > 93 then
    Log.warn("zone 23 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/23/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 23 too cold: " .. data.value)
  end
end

-- Zone 24: alert above 94 C, warn below 39 C.
rules[24] = function(data)
  if data.value > 94 then
    Log.warn("zone 24 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/24/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 24 too cold: " .. data.value)
  end
end

-- Zone 25: alert above 70 C, warn below 40 C.
rules[25] = function(data)
  if data.value > 70 then
    Log.warn("zone 25 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/25/alert", "overtemp " .. data.value)
  elseif data.value < 40 then
    Log.warn("zone 25 too cold: " .. data.value)
  end
end

-- Zone 26: alert above 71 C, warn below 41 C.
rules[26] = function(data)
  if data.value > 71 then
    Log.warn("zone 26 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/26/alert", "overtemp " .. data.value)
  elseif data.value < 41 then
    Log.warn("zone 26 too cold: " .. data.value)
  end
end

-- Zone 27: alert above 72 C, warn below 42 C.
rules[27] = function(data)
  if data.value > 72 then
    Log.warn("zone 27 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/27/alert", "overtemp " .. data.value)
  elseif data.value < 42 then
    Log.warn("zone 27 too cold: " .. data.value)
  end
end

-- Zone 28: alert above 73 C, warn below 43 C.
rules[28] = function(data)
  if data.value > 73 then
    Log.warn("zone 28 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/28/alert", "overtemp " .. data.value)
  elseif data.value < 43 then
    Log.warn("zone 28 too cold: " .. data.value)
  end
end

-- Zone 29: alert above 74 C, warn below 44 C.
rules[29] = function(data)
  if data.value > 74 then
    Log.warn("zone 29 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/29/alert", "overtemp " .. data.value)
  elseif data.value < 44 then
    Log.warn("zone 29 too cold: " .. data.value)
  end
end

-- Zone 30: alert above 75 C, warn below 30 C.
rules[30] = function(data)
  if data.value > 75 then
    Log.warn("zone 30 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/30/alert", "overtemp " .. data.value)
  elseif data.value < 30 then
    Log.warn("zone 30 too cold: " .. data.value)
  end
end

-- Zone 31: alert above 76 C, warn below 31 C.
rules[31] = function(data)
  if data.value > 76 then
    Log.warn("zone 31 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/31/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 31 too cold: " .. data.value)
  end
end

-- Zone 32: alert above 77 C, warn below 32 C.
rules[32] = function(data)
  if data.value > 77 then
    Log.warn("zone 32 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/32/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 32 too cold: " .. data.value)
  end
end

-- Zone 33: alert above 78 C, warn below 33 C.
rules[33] = function(data)
  if data.value > 78 then
    Log.warn("zone 33 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/33/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 33 too cold: " .. data.value)
  end
end

-- Zone 34: alert above 79 C, warn below 34 C.
rules[34] = function(data)
  if data.value > 79 then
    Log.warn("zone 34 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/34/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 34 too cold: " .. data.value)
  end
end

-- Zone 35: alert above 80 C, warn below 35 C.
rules[35] = function(data)
  if data.value > 80 then
    Log.warn("zone 35 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/35/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 35 too cold: " .. data.value)
  end
end

-- Zone 36: alert above 81 C, warn below 36 C.
rules[36] = function(data)
  if data.value > 81 then
    Log.warn("zone 36 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/36/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 36 too cold: " .. data.value)
  end
end

-- Zone 37: alert above 82 C, warn below 37 C.
rules[37] = function(data)
  if data.value > 82 then
    Log.warn("zone 37 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/37/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 37 too cold: " .. data.value)
  end
end

-- Zone 38: alert above 83 C, warn below 38 C.
rules[38] = function(data)
  if data.value > 83 then
    Log.warn("zone 38 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/38/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 38 too cold: " .. data.value)
  end
end

-- Zone 39: alert above 84 C, warn below 39 C.
rules[39] = function(data)
  if data.value > 84 then
    Log.warn("zone 39 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/39/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 39 too cold: " .. data.value)
  end
end

-- Zone 40: alert above 85 C, warn below 40 C.
rules[40] = function(data)
  if data.value > 85 then
    Log.warn("zone 40 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/40/alert", "overtemp " .. data.value)
  elseif data.value < 40 then
    Log.warn("zone 40 too cold: " .. data.value)
  end
end

-- Zone 41: alert above 86 C, warn below 41 C.
rules[41] = function(data)
  if data.value > 86 then
    Log.warn("zone 41 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/41/alert", "overtemp " .. data.value)
  elseif data.value < 41 then
    Log.warn("zone 41 too cold: " .. data.value)
  end
end

-- Zone 42: alert above 87 C, warn below 42 C.
rules[42] = function(data)
  if data.value > 87 then
    Log.warn("zone 42 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/42/alert", "overtemp " .. data.value)
  elseif data.value < 42 then
    Log.warn("zone 42 too cold: " .. data.value)
  end
end

-- Zone 43: alert above 88 C, warn below 43 C.
rules[43] = function(data)
  if data.value > 88 then
    Log.warn("zone 43 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/43/alert", "overtemp " .. data.value)
  elseif data.value < 43 then
    Log.warn("zone 43 too cold: " .. data.value)
  end
end

-- Zone 44: alert above 89 C, warn below 44 C.
rules[44] = function(data)
  if data.value > 89 then
    Log.warn("zone 44 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/44/alert", "overtemp " .. data.value)
  elseif data.value < 44 then
    Log.warn("zone 44 too cold: " .. data.value)
  end
end

-- Zone 45: alert above 90 C, warn below 30 C.
rules[45] = function(data)
  if data.value > 90 then
    Log.warn("zone 45 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/45/alert", "overtemp " .. data.value)
  elseif data.value < 30 then
    Log.warn("zone 45 too cold: " .. data.value)
  end
end

-- Zone 46: alert above 91 C, warn below 31 C.
rules[46] = function(data)
  if data.value > 91 then
    Log.warn("zone 46 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/46/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 46 too cold: " .. data.value)
  end
end

-- Zone 47: alert above 92 C, warn below 32 C.
rules[47] = function(data)
  if data.value > 92 then
    Log.warn("zone 47 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/47/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 47 too cold: " .. data.value)
  end
end

-- Zone 48: alert above 93 C, warn below 33 C.
rules[48] = function(data)
  if data.value > 93 then
    Log.warn("zone 48 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/48/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 48 too cold: " .. data.value)
  end
end

-- Zone 49: alert above 94 C, warn below 34 C.
rules[49] = function(data)
  if data.value > 94 then
    Log.warn("zone 49 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/49/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 49 too cold: " .. data.value)
  end
end

-- Zone 50: alert above 70 C, warn below 35 C.
rules[50] = function(data)
  if data.value > 70 then
    Log.warn("zone 50 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/50/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 50 too cold: " .. data.value)
  end
end

-- Zone 51: alert above 71 C, warn below 36 C.
rules[51] = function(data)
  if data.value > 71 then
    Log.warn("zone 51 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/51/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 51 too cold: " .. data.value)
  end
end

-- Zone 52: alert above 72 C, warn below 37 C.
rules[52] = function(data)
  if data.value > 72 then
    Log.warn("zone 52 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/52/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 52 too cold: " .. data.value)
  end
end

-- Zone 53: alert above 73 C, warn below 38 C.
rules[53] = function(data)
  if data.value > 73 then
    Log.warn("zone 53 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/53/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 53 too cold: " .. data.value)
  end
end

-- Zone 54: alert above 74 C, warn below 39 C.
rules[54] = function(data)
  if data.value > 74 then
    Log.warn("zone 54 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/54/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 54 too cold: " .. data.value)
  end
end

-- Zone 55: alert above 75 C, warn below 40 C.
rules[55] = function(data)
  if data.value > 75 then
    Log.warn("zone 55 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/55/alert", "overtemp " .. data.value)
  elseif data.value < 40 then
    Log.warn("zone 55 too cold: " .. data.value)
  end
end

-- Zone 56: alert above 76 C, warn below 41 C.
rules[56] = function(data)
  if data.value > 76 then
    Log.warn("zone 56 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/56/alert", "overtemp " .. data.value)
  elseif data.value < 41 then
    Log.warn("zone 56 too cold: " .. data.value)
  end
end

-- Zone 57: alert above 77 C, warn below 42 C.
rules[57] = function(data)
  if data.value > 77 then
    Log.warn("zone 57 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/57/alert", "overtemp " .. data.value)
  elseif data.value < 42 then
    Log.warn("zone 57 too cold: " .. data.value)
  end
end

-- Zone 58: alert above 78 C, warn below 43 C.
rules[58] = function(data)
  if data.value > 78 then
    Log.warn("zone 58 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/58/alert", "overtemp " .. data.value)
  elseif data.value < 43 then
    Log.warn("zone 58 too cold: " .. data.value)
  end
end

-- Zone 59: alert above 79 C, warn below 44 C.
rules[59] = function(data)
  if data.value > 79 then
    Log.warn("zone 59 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/59/alert", "overtemp " .. data.value)
  elseif data.value < 44 then
    Log.warn("zone 59 too cold: " .. data.value)
  end
end

-- Zone 60: alert above 80 C, warn below 30 C.
rules[60] = function(data)
  if data.value > 80 then
    Log.warn("zone 60 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/60/alert", "overtemp " .. data.value)
  elseif data.value < 30 then
    Log.warn("zone 60 too cold: " .. data.value)
  end
end

-- Zone 61: alert above 81 C, warn below 31 C.
rules[61] = function(data)
  if data.value > 81 then
    Log.warn("zone 61 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/61/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 61 too cold: " .. data.value)
  end
end

-- Zone 62: alert above 82 C, warn below 32 C.
rules[62] = function(data)
  if data.value > 82 then
    Log.warn("zone 62 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/62/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 62 too cold: " .. data.value)
  end
end

-- Zone 63: alert above 83 C, warn below 33 C.
rules[63] = function(data)
  if data.value > 83 then
    Log.warn("zone 63 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/63/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 63 too cold: " .. data.value)
  end
end

-- Zone 64: alert above 84 C, warn below 34 C.
rules[64] = function(data)
  if data.value > 84 then
    Log.warn("zone 64 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/64/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 64 too cold: " .. data.value)
  end
end

-- Zone 65: alert above 85 C, warn below 35 C.
rules[65] = function(data)
  if data.value > 85 then
    Log.warn("zone 65 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/65/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 65 too cold: " .. data.value)
  end
end

-- Zone 66: alert above 86 C, warn below 36 C.
rules[66] = function(data)
  if data.value > 86 then
    Log.warn("zone 66 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/66/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 66 too cold: " .. data.value)
  end
end

-- Zone 67: alert above 87 C, warn below 37 C.
rules[67] = function(data)
  if data.value > 87 then
    Log.warn("zone 67 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/67/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 67 too cold: " .. data.value)
  end
end

-- Zone 68: alert above 88 C, warn below 38 C.
rules[68] = function(data)
  if data.value > 88 then
    Log.warn("zone 68 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/68/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 68 too cold: " .. data.value)
  end
end

-- Zone 69: alert above 89 C, warn below 39 C.
rules[69] = function(data)
  if data.value > 89 then
    Log.warn("zone 69 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/69/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 69 too cold: " .. data.value)
  end
end

-- Zone 70: alert above 90 C, warn below 40 C.
rules[70] = function(data)
  if data.value > 90 then
    Log.warn("zone 70 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/70/alert", "overtemp " .. data.value)
  elseif data.value < 40 then
    Log.warn("zone 70 too cold: " .. data.value)
  end
end

-- Zone 71: alert above 91 C, warn below 41 C.
rules[71] = function(data)
  if data.value > 91 then
    Log.warn("zone 71 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/71/alert", "overtemp " .. data.value)
  elseif data.value < 41 then
    Log.warn("zone 71 too cold: " .. data.value)
  end
end

-- Zone 72: alert above 92 C, warn below 42 C.
rules[72] = function(data)
  if data.value > 92 then
    Log.warn("zone 72 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/72/alert", "overtemp " .. data.value)
  elseif data.value < 42 then
    Log.warn("zone 72 too cold: " .. data.value)
  end
end

-- Zone 73: alert above 93 C, warn below 43 C.
rules[73] = function(data)
  if data.value > 93 then
    Log.warn("zone 73 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/73/alert", "overtemp " .. data.value)
  elseif data.value < 43 then
    Log.warn("zone 73 too cold: " .. data.value)
  end
end

-- Zone 74: alert above 94 C, warn below 44 C.
rules[74] = function(data)
  if data.value > 94 then
    Log.warn("zone 74 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/74/alert", "overtemp " .. data.value)
  elseif data.value < 44 then
    Log.warn("zone 74 too cold: " .. data.value)
  end
end

-- Zone 75: alert above 70 C, warn below 30 C.
rules[75] = function(data)
  if data.value > 70 then
    Log.warn("zone 75 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/75/alert", "overtemp " .. data.value)
  elseif data.value < 30 then
    Log.warn("zone 75 too cold: " .. data.value)
  end
end

-- Zone 76: alert above 71 C, warn below 31 C.
rules[76] = function(data)
  if data.value > 71 then
    Log.warn("zone 76 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/76/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 76 too cold: " .. data.value)
  end
end

-- Zone 77: alert above 72 C, warn below 32 C.
rules[77] = function(data)
  if data.value > 72 then
    Log.warn("zone 77 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/77/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 77 too cold: " .. data.value)
  end
end

-- Zone 78: alert above 73 C, warn below 33 C.
rules[78] = function(data)
  if data.value > 73 then
    Log.warn("zone 78 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/78/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 78 too cold: " .. data.value)
  end
end

-- Zone 79: alert above 74 C, warn below 34 C.
rules[79] = function(data)
  if data.value > 74 then
    Log.warn("zone 79 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/79/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 79 too cold: " .. data.value)
  end
end

-- Zone 80: alert above 75 C, warn below 35 C.
rules[80] = function(data)
  if data.value > 75 then
    Log.warn("zone 80 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/80/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 80 too cold: " .. data.value)
  end
end

-- Zone 81: alert above 76 C, warn below 36 C.
rules[81] = function(data)
  if data.value > 76 then
    Log.warn("zone 81 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/81/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 81 too cold: " .. data.value)
  end
end

-- Zone 82: alert above 77 C, warn below 37 C.
rules[82] = function(data)
  if data.value > 77 then
    Log.warn("zone 82 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/82/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 82 too cold: " .. data.value)
  end
end

-- Zone 83: alert above 78 C, warn below 38 C.
rules[83] = function(data)
  if data.value > 78 then
    Log.warn("zone 83 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/83/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 83 too cold: " .. data.value)
  end
end

-- Zone 84: alert above 79 C, warn below 39 C.
rules[84] = function(data)
  if data.value > 79 then
    Log.warn("zone 84 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/84/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 84 too cold: " .. data.value)
  end
end

-- Zone 85: alert above 80 C, warn below 40 C.
rules[85] = function(data)
  if data.value > 80 then
    Log.warn("zone 85 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/85/alert", "overtemp " .. data.value)
  elseif data.value < 40 then
    Log.warn("zone 85 too cold: " .. data.value)
  end
end

-- Zone 86: alert above 81 C, warn below 41 C.
rules[86] = function(data)
  if data.value > 81 then
    Log.warn("zone 86 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/86/alert", "overtemp " .. data.value)
  elseif data.value < 41 then
    Log.warn("zone 86 too cold: " .. data.value)
  end
end

-- Zone 87: alert above 82 C, warn below 42 C.
rules[87] = function(data)
  if data.value > 82 then
    Log.warn("zone 87 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/87/alert", "overtemp " .. data.value)
  elseif data.value < 42 then
    Log.warn("zone 87 too cold: " .. data.value)
  end
end

-- Zone 88: alert above 83 C, warn below 43 C.
rules[88] = function(data)
  if data.value > 83 then
    Log.warn("zone 88 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/88/alert", "overtemp " .. data.value)
  elseif data.value < 43 then
    Log.warn("zone 88 too cold: " .. data.value)
  end
end

-- Zone 89: alert above 84 C, warn below 44 C.
rules[89] = function(data)
  if data.value > 84 then
    Log.warn("zone 89 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/89/alert", "overtemp " .. data.value)
  elseif data.value < 44 then
    Log.warn("zone 89 too cold: " .. data.value)
  end
end

-- Zone 90: alert above 85 C, warn below 30 C.
rules[90] = function(data)
  if data.value > 85 then
    Log.warn("zone 90 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/90/alert", "overtemp " .. data.value)
  elseif data.value < 30 then
    Log.warn("zone 90 too cold: " .. data.value)
  end
end

-- Zone 91: alert above 86 C, warn below 31 C.
rules[91] = function(data)
  if data.value > 86 then
    Log.warn("zone 91 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/91/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 91 too cold: " .. data.value)
  end
end

-- Zone 92: alert above 87 C, warn below 32 C.
rules[92] = function(data)
  if data.value > 87 then
    Log.warn("zone 92 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/92/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 92 too cold: " .. data.value)
  end
end

-- Zone 93: alert above 88 C, warn below 33 C.
rules[93] = function(data)
  if data.value > 88 then
    Log.warn("zone 93 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/93/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 93 too cold: " .. data.value)
  end
end

-- Zone 94: alert above 89 C, warn below 34 C.
rules[94] = function(data)
  if data.value > 89 then
    Log.warn("zone 94 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/94/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 94 too cold: " .. data.value)
  end
end

-- Zone 95: alert above 90 C, warn below 35 C.
rules[95] = function(data)
  if data.value > 90 then
    Log.warn("zone 95 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/95/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 95 too cold: " .. data.value)
  end
end

-- Zone 96: alert above 91 C, warn below 36 C.
rules[96] = function(data)
  if data.value > 91 then
    Log.warn("zone 96 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/96/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 96 too cold: " .. data.value)
  end
end

-- Zone 97: alert above 92 C, warn below 37 C.
rules[97] = function(data)
  if data.value > 92 then
    Log.warn("zone 97 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/97/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 97 too cold: " .. data.value)
  end
end

-- Zone 98: alert above 93 C, warn below 38 C.
rules[98] = function(data)
  if data.value > 93 then
    Log.warn("zone 98 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/98/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 98 too cold: " .. data.value)
  end
end

-- Zone 99: alert above 94 C, warn below 39 C.
rules[99] = function(data)
  if data.value > 94 then
    Log.warn("zone 99 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/99/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 99 too cold: " .. data.value)
  end
end

-- Zone 100: alert above 70 C, warn below 40 C.
rules[100] = function(data)
  if data.value > 70 then
    Log.warn("zone 100 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/100/alert", "overtemp " .. data.value)
  elseif data.value < 40 then
    Log.warn("zone 100 too cold: " .. data.value)
  end
end

-- Zone 101: alert above 71 C, warn below 41 C.
rules[101] = function(data)
  if data.value > 71 then
    Log.warn("zone 101 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/101/alert", "overtemp " .. data.value)
  elseif data.value < 41 then
    Log.warn("zone 101 too cold: " .. data.value)
  end
end

-- Zone 102: alert above 72 C, warn below 42 C.
rules[102] = function(data)
  if data.value > 72 then
    Log.warn("zone 102 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/102/alert", "overtemp " .. data.value)
  elseif data.value < 42 then
    Log.warn("zone 102 too cold: " .. data.value)
  end
end

-- Zone 103: alert above 73 C, warn below 43 C.
rules[103] = function(data)
  if data.value > 73 then
    Log.warn("zone 103 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/103/alert", "overtemp " .. data.value)
  elseif data.value < 43 then
    Log.warn("zone 103 too cold: " .. data.value)
  end
end

-- Zone 104: alert above 74 C, warn below 44 C.
rules[104] = function(data)
  if data.value > 74 then
    Log.warn("zone 104 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/104/alert", "overtemp " .. data.value)
  elseif data.value < 44 then
    Log.warn("zone 104 too cold: " .. data.value)
  end
end

-- Zone 105: alert above 75 C, warn below 30 C.
rules[105] = function(data)
  if data.value > 75 then
    Log.warn("zone 105 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/105/alert", "overtemp " .. data.value)
  elseif data.value < 30 then
    Log.warn("zone 105 too cold: " .. data.value)
  end
end

-- Zone 106: alert above 76 C, warn below 31 C.
rules[106] = function(data)
  if data.value > 76 then
    Log.warn("zone 106 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/106/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 106 too cold: " .. data.value)
  end
end

-- Zone 107: alert above 77 C, warn below 32 C.
rules[107] = function(data)
  if data.value > 77 then
    Log.warn("zone 107 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/107/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 107 too cold: " .. data.value)
  end
end

-- Zone 108: alert above 78 C, warn below 33 C.
rules[108] = function(data)
  if data.value > 78 then
    Log.warn("zone 108 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/108/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 108 too cold: " .. data.value)
  end
end

-- Zone 109: alert above 79 C, warn below 34 C.
rules[109] = function(data)
  if data.value > 79 then
    Log.warn("zone 109 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/109/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 109 too cold: " .. data.value)
  end
end

-- Zone 110: alert above 80 C, warn below 35 C.
rules[110] = function(data)
  if data.value > 80 then
    Log.warn("zone 110 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/110/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 110 too cold: " .. data.value)
  end
end

-- Zone 111: alert above 81 C, warn below 36 C.
rules[111] = function(data)
  if data.value > 81 then
    Log.warn("zone 111 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/111/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 111 too cold: " .. data.value)
  end
end

-- Zone 112: alert above 82 C, warn below 37 C.
rules[112] = function(data)
  if data.value > 82 then
    Log.warn("zone 112 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/112/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 112 too cold: " .. data.value)
  end
end

-- Zone 113: alert above 83 C, warn below 38 C.
rules[113] = function(data)
  if data.value > 83 then
    Log.warn("zone 113 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/113/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 113 too cold: " .. data.value)
  end
end

-- Zone 114: alert above 84 C, warn below 39 C.
rules[114] = function(data)
  if data.value > 84 then
    Log.warn("zone 114 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/114/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 114 too cold: " .. data.value)
  end
end

-- Zone 115: alert above 85 C, warn below 40 C.
rules[115] = function(data)
  if data.value > 85 then
    Log.warn("zone 115 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/115/alert", "overtemp " .. data.value)
  elseif data.value < 40 then
    Log.warn("zone 115 too cold: " .. data.value)
  end
end

-- Zone 116: alert above 86 C, warn below 41 C.
rules[116] = function(data)
  if data.value > 86 then
    Log.warn("zone 116 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/116/alert", "overtemp " .. data.value)
  elseif data.value < 41 then
    Log.warn("zone 116 too cold: " .. data.value)
  end
end

-- Zone 117: alert above 87 C, warn below 42 C.
rules[117] = function(data)
  if data.value > 87 then
    Log.warn("zone 117 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/117/alert", "overtemp " .. data.value)
  elseif data.value < 42 then
    Log.warn("zone 117 too cold: " .. data.value)
  end
end

-- Zone 118: alert above 88 C, warn below 43 C.
rules[118] = function(data)
  if data.value > 88 then
    Log.warn("zone 118 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/118/alert", "overtemp " .. data.value)
  elseif data.value < 43 then
    Log.warn("zone 118 too cold: " .. data.value)
  end
end

-- Zone 119: alert above 89 C, warn below 44 C.
rules[119] = function(data)
  if data.value > 89 then
    Log.warn("zone 119 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/119/alert", "overtemp " .. data.value)
  elseif data.value < 44 then
    Log.warn("zone 119 too cold: " .. data.value)
  end
end

-- Zone 120: alert above 90 C, warn below 30 C.
rules[120] = function(data)
  if data.value > 90 then
    Log.warn("zone 120 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/120/alert", "overtemp " .. data.value)
  elseif data.value < 30 then
    Log.warn("zone 120 too cold: " .. data.value)
  end
end

-- Zone 121: alert above 91 C, warn below 31 C.
rules[121] = function(data)
  if data.value > 91 then
    Log.warn("zone 121 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/121/alert", "overtemp " .. data.value)
  elseif data.value < 31 then
    Log.warn("zone 121 too cold: " .. data.value)
  end
end

-- Zone 122: alert above 92 C, warn below 32 C.
rules[122] = function(data)
  if data.value > 92 then
    Log.warn("zone 122 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/122/alert", "overtemp " .. data.value)
  elseif data.value < 32 then
    Log.warn("zone 122 too cold: " .. data.value)
  end
end

-- Zone 123: alert above 93 C, warn below 33 C.
rules[123] = function(data)
  if data.value > 93 then
    Log.warn("zone 123 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/123/alert", "overtemp " .. data.value)
  elseif data.value < 33 then
    Log.warn("zone 123 too cold: " .. data.value)
  end
end

-- Zone 124: alert above 94 C, warn below 34 C.
rules[124] = function(data)
  if data.value > 94 then
    Log.warn("zone 124 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/124/alert", "overtemp " .. data.value)
  elseif data.value < 34 then
    Log.warn("zone 124 too cold: " .. data.value)
  end
end

-- Zone 125: alert above 70 C, warn below 35 C.
rules[125] = function(data)
  if data.value > 70 then
    Log.warn("zone 125 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/125/alert", "overtemp " .. data.value)
  elseif data.value < 35 then
    Log.warn("zone 125 too cold: " .. data.value)
  end
end

-- Zone 126: alert above 71 C, warn below 36 C.
rules[126] = function(data)
  if data.value > 71 then
    Log.warn("zone 126 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/126/alert", "overtemp " .. data.value)
  elseif data.value < 36 then
    Log.warn("zone 126 too cold: " .. data.value)
  end
end

-- Zone 127: alert above 72 C, warn below 37 C.
rules[127] = function(data)
  if data.value > 72 then
    Log.warn("zone 127 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/127/alert", "overtemp " .. data.value)
  elseif data.value < 37 then
    Log.warn("zone 127 too cold: " .. data.value)
  end
end

-- Zone 128: alert above 73 C, warn below 38 C.
rules[128] = function(data)
  if data.value > 73 then
    Log.warn("zone 128 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/128/alert", "overtemp " .. data.value)
  elseif data.value < 38 then
    Log.warn("zone 128 too cold: " .. data.value)
  end
end

-- Zone 129: alert above 74 C, warn below 39 C.
rules[129] = function(data)
  if data.value > 74 then
    Log.warn("zone 129 overtemp: " .. data.value)
    MQTT.publish(prefix .. "/zone/129/alert", "overtemp " .. data.value)
  elseif data.value < 39 then
    Log.warn("zone 129 too cold: " .. data.value)
  end
end

EventBus.subscribe("sensor.temperature", function(data)
  local rule = rules[data.zone or 1]
  if rule then
    rule(data)
  elseif data.zone == nil
    Log.warn("reading without a zone")
  end
end)
